/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh daemon-call: a small client of kenh daemon (docs/daemon.md §6) for
 * scripts and tests. It does not open the store. Three modes:
 *
 *   daemon-call OP [JSON-ARGS]     one request; prints the response line;
 *                                  exit 0 if "ok" is true, else 1
 *   daemon-call --subscribe [--count N]
 *                                  subscribes, prints the response and
 *                                  each event line as it comes; exit 0
 *                                  after N events (default: until the
 *                                  timeout or the daemon closes)
 *   daemon-call --raw              sends standard input as it is and
 *                                  prints every line the daemon sends back
 *
 * --socket PATH (default <dir>/daemon/sock) and --timeout SECONDS
 * (default 60) apply to all three.
 */
#include "kenh.h"

#include "util/compat.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../common/cli.h"
#include "../common/cli_jsonreq.h"
#include "util/mem.h"

#define RAW_MAX  (1u << 20)
#define LINE_MAX (64u << 20)

struct call {
	const char *sock;
	const char *op;
	const char *args;
	long count;
	long timeout_s;
	bool subscribe, raw;
	char path[KENH_PATH_MAX];
};

static int connect_to(const char *path, int *fd)
{
	struct sockaddr_un sa;

	*fd = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) return KENH_ERR(KENH_E_TOO_LARGE);
	memcpy(sa.sun_path, path, strlen(path));
	if ((*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) return KENH_ERR(KENH_E_IO);
	if (connect(*fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "kenh: daemon-call: %s: %s\n", path, strerror(errno));
		close(*fd);
		*fd = -1;
		return KENH_ERR(KENH_E_IO);
	}
	return 0;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return KENH_ERR(KENH_E_IO);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The request line: {"id":1,"op":OP,"args":ARGS}. */
static int request_line(const struct call *c, char **out, size_t *len)
{
	json_error_t jerr;
	json_t *args = NULL, *req;
	char *s;
	int rc = 0;

	*out = NULL;
	if (c->args != NULL &&
	    ((args = json_loads(c->args, 0, &jerr)) == NULL || !json_is_object(args))) {
		json_decref(args);
		return kenh_failf("daemon-call", "JSON-ARGS is not a JSON object");
	}
	req = json_pack("{s:i,s:s,s:o}", "id", 1, "op", c->op, "args",
	                args != NULL ? args : json_object());
	if (req == NULL) return kenh_failf("daemon-call", "OP is not UTF-8 text");
	*len = json_dumpb(req, NULL, 0, JSON_COMPACT);
	if ((rc = mem_alloc(*len + 2, (void **)&s)) == 0) {
		(void)json_dumpb(req, s, *len, JSON_COMPACT);
		s[(*len)++] = '\n';
		*out = s;
	}
	json_decref(req);
	return rc != 0 ? kenh_fail("daemon-call", rc) : 0;
}

static int read_stdin(char **out, size_t *len)
{
	char *buf = NULL;
	ssize_t n;
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = mem_alloc(RAW_MAX, (void **)&buf)) != 0) return rc;
	while (*len < RAW_MAX && (n = read(0, buf + *len, RAW_MAX - *len)) > 0)
		*len += (size_t)n;
	*out = buf;
	return 0;
}

static bool is_ok_response(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, 0, &jerr);
	bool ok = j != NULL && json_is_true(json_object_get(j, "ok"));

	json_decref(j);
	return ok;
}

static bool is_event(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(line, len, 0, &jerr);
	bool ev = j != NULL && json_object_get(j, "event") != NULL;

	json_decref(j);
	return ev;
}

/* Print lines as they come; returns the exit status of the mode. */
static int read_lines(const struct call *c, int fd)
{
	time_t until = time(NULL) + c->timeout_s;
	char *buf = NULL, *nl;
	size_t len = 0, cap = 1u << 16;
	long events = 0;
	int status = 1;

	if (mem_alloc(cap, (void **)&buf) != 0) return 1;
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		time_t now = time(NULL);
		ssize_t n;

		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t l = (size_t)(nl - buf);
			bool ev = is_event(buf, l);

			if (!c->raw && !c->subscribe && ev) goto next; /* not ours */
			fwrite(buf, 1, l + 1, stdout);
			fflush(stdout);
			if (!c->raw && !c->subscribe) {
				status = is_ok_response(buf, l) ? 0 : 1;
				goto out;
			}
			if (c->subscribe && ev && ++events == c->count) {
				status = 0;
				goto out;
			}
		next:
			memmove(buf, nl + 1, len - l - 1);
			len -= l + 1;
		}
		if (now >= until || poll(&pf, 1, (int)(until - now) * 1000) <= 0) break;
		if (len == cap) {
			char *bigger = NULL;

			if (cap >= LINE_MAX || mem_alloc(cap * 2, (void **)&bigger) != 0) break;
			memcpy(bigger, buf, len);
			mem_free(buf);
			buf = bigger;
			cap *= 2;
		}
		if ((n = recv(fd, buf + len, cap - len, 0)) <= 0) {
			if (c->raw || (c->subscribe && c->count == 0)) status = 0;
			break;
		}
		len += (size_t)n;
	}
	if (status != 0 && !c->raw && !c->subscribe)
		fprintf(stderr, "kenh: daemon-call: no response from the daemon\n");
out:
	mem_free(buf);
	return status;
}

static int parse(struct kenh_app *a, int argc, char **argv, struct call *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->timeout_s = 60;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--subscribe") == 0)
			c->subscribe = true;
		else if (strcmp(argv[i], "--raw") == 0)
			c->raw = true;
		else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
			c->sock = argv[++i];
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			c->count = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			c->timeout_s = strtol(argv[++i], NULL, 10);
		else
			return KENH_ERR(KENH_E_INVALID_ARG);
	}
	if (c->subscribe || c->raw) {
		if (i != argc || (c->subscribe && c->raw)) return KENH_ERR(KENH_E_INVALID_ARG);
		c->op = "subscribe";
	} else {
		if (i >= argc || argc - i > 2) return KENH_ERR(KENH_E_INVALID_ARG);
		c->op = argv[i];
		c->args = i + 1 < argc ? argv[i + 1] : NULL;
	}
	if (c->timeout_s <= 0 || c->count < 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if (c->sock == NULL) {
		if (kenh_dev_path(a, c->path, sizeof(c->path), "daemon/sock") != 0)
			return KENH_ERR(KENH_E_TOO_LARGE);
		c->sock = c->path;
	}
	return 0;
}

int cmd_kenh_daemon_call(struct kenh_app *a, int argc, char **argv)
{
	struct call c;
	char *line = NULL;
	size_t len = 0;
	int fd = -1, rc;

	if (parse(a, argc, argv, &c) != 0)
		return kenh_usage("daemon-call [--socket PATH] [--timeout S] OP [JSON-ARGS] | "
		                  "--subscribe [--count N] | --raw");
	if (c.raw)
		rc = read_stdin(&line, &len) != 0 ? kenh_fail("daemon-call", KENH_E_NOMEM) : 0;
	else
		rc = request_line(&c, &line, &len);
	if (rc != 0) goto out;
	if (connect_to(c.sock, &fd) != 0 || send_all(fd, line, len) != 0) {
		rc = kenh_failf("daemon-call", "no daemon answers on this socket");
		goto out;
	}
	if (c.raw) (void)shutdown(fd, SHUT_WR);
	rc = read_lines(&c, fd);
out:
	if (fd >= 0) close(fd);
	mem_free(line);
	return rc;
}
