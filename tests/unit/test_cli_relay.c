/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of cli/common/cli_relay.h that need no relay: the address
 * forms the programs accept ("host:port", "[v6]:port"), the ones they
 * refuse with a clear error before any connection is tried, and a
 * connection refused by the operating system. The TLS and frame paths run
 * against a real kenhd in tests/integ/admin_relay.sh.
 */
#include "../../cli/common/cli_relay.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kenh/kenh.h"

static void test_cli_relay_addr_forms(void **state)
{
	char host[CLI_RELAY_HOST_MAX], port[CLI_RELAY_PORT_MAX];

	(void)state;
	assert_int_equal(cli_relay_addr_parse("relay.example:4433", host, port), 0);
	assert_string_equal(host, "relay.example");
	assert_string_equal(port, "4433");
	assert_int_equal(cli_relay_addr_parse("127.0.0.1:1", host, port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "1");
	assert_int_equal(cli_relay_addr_parse("[::1]:65535", host, port), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "65535");
}

static void test_cli_relay_addr_refused(void **state)
{
	static const char *const bad[] = {
		"relay.example", ":4433",       "relay:",
		"relay:0",       "relay:65536", "relay:44x3",
		"relay:+443",    "relay: 443",  "::1:4433",
		"[::1]4433",     "[::1:4433",   "[]:4433",
		"a:b:4433",      "relay:-1",    "relay:99999999999999999999",
	};
	char host[CLI_RELAY_HOST_MAX], port[CLI_RELAY_PORT_MAX], longname[CLI_RELAY_HOST_MAX + 8];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(cli_relay_addr_parse(bad[i], host, port), KENH_E_INVALID_ARG);
		assert_string_equal(host, "");
	}
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + CLI_RELAY_HOST_MAX, ":443", 5);
	assert_int_equal(cli_relay_addr_parse(longname, host, port), KENH_E_INVALID_ARG);
}

/* Nothing listens on port 1 of the loopback: a plain, explained failure. */
static void test_cli_relay_connect_refused(void **state)
{
	struct cli_relay_config cfg = { "127.0.0.1:1", NULL, { NULL, 0 }, NULL, 2000, NULL, NULL };
	struct kenh_ctx *ctx = NULL;
	struct cli_relay *r = (struct cli_relay *)&cfg;
	char err[CLI_RELAY_ERR_LEN];

	(void)state;
	assert_int_equal(kenh_ctx_new(&ctx), 0);
	assert_int_equal(cli_relay_connect(ctx, &cfg, &r, err), KENH_E_IO);
	assert_null(r);
	assert_string_equal(err, "cannot connect to 127.0.0.1 port 1");
	cfg.addr = "no port";
	assert_int_equal(cli_relay_connect(ctx, &cfg, &r, err), KENH_E_INVALID_ARG);
	assert_string_equal(err, "no port: not HOST:PORT");
	kenh_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_relay_addr_forms),
		cmocka_unit_test(test_cli_relay_addr_refused),
		cmocka_unit_test(test_cli_relay_connect_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
