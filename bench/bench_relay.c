/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * make bench's entry to the relay benchmark (issue 4 item 8, STYLE
 * R17.10): it runs bench/relay/run.sh against the build this binary
 * belongs to. The script starts kenhd, mosquitto and nats-server (it
 * installs the last two when missing), drives them with the same load
 * and prints the figures of all three, ending with the
 * "relay fan-out 1->100: kenhd X deliveries/s, mosquitto Y deliveries/s,
 * ratio X/Y" line. Run from the repository root, as make does.
 */
#include "util/compat.h"

#include <libgen.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char self[4096], *build;

	(void)argc;
	/* argv[0] is BUILD/bench/bench_relay: the build is two folders up. */
	snprintf(self, sizeof(self), "%s", argv[0]);
	build = dirname(dirname(self));
	execl("/bin/bash", "bash", "bench/relay/run.sh", build, (char *)NULL);
	perror("bench_relay: bench/relay/run.sh");
	return 1;
}
