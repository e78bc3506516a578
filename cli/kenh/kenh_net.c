/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh's relay calls (docs/protocol.md §5): one connection per run, opened
 * on first use; a response status other than 0 becomes the negative
 * KENH_E_* code it stands for (§2.1), with its detail.
 */
#include "kenh.h"

#include "util/compat.h"

#include "../common/cli_relay.h"

int kenh_net_call(struct kenh_app *a, uint16_t type, const struct proto_desc *d, const void *req,
                  const struct proto_desc *rd, void *resp, size_t resp_size, uint64_t *detail)
{
	struct cli_relay *r;
	uint16_t status = 0;
	uint64_t det = 0;
	int rc;

	if (detail != NULL) *detail = 0;
	if ((rc = kenh_dev_net(a, &r)) != 0) return rc;
	if ((rc = cli_relay_call(r, type, d, req, rd, resp, resp_size, &status, &det)) != 0) {
		/* The connection is in an unknown state: the next call reconnects. */
		cli_relay_close(a->net);
		a->net = NULL;
		return rc;
	}
	if (detail != NULL) *detail = det;
	return cli_relay_code(status);
}
