/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh daemon: the loop, the Unix socket and the relay connection
 * (docs/daemon.md; STYLE R9.3). At start: the folder's lock taken
 * exclusive (a second daemon, or a daemon while a command runs, is
 * refused), the store unlocked once, <dir>/daemon made 0700, a stale
 * socket replaced (a live one refused), the socket bound 0600. Then one
 * poll loop over the listening socket, the clients, the relay connection
 * and a signalfd: a push from the relay runs the sync of kenh listen
 * (kenh_sync_run: catch-up, history, pending removes committed, wipe
 * orders carried out), whose events go to subscribed clients; a lost
 * connection is retried with exponential backoff (1 s to 60 s) and a
 * PING keeps an idle one open (docs/protocol.md §7 idle_timeout). A
 * client whose uid (SO_PEERCRED) is not ours is refused and logged.
 * SIGTERM and SIGINT end the loop after the request in progress; the
 * socket is removed and the store closed (its keys wiped, R5.2).
 */
#define _GNU_SOURCE
#include "kenh_daemon.h"

#include "util/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "proto/proto.h"
#include "util/mem.h"

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS   60000u
#define PING_EVERY_MS    60000u
#define FLUSH_MS         1000

uint64_t kenh_daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line of the daemon's log on stderr. */
static void logline(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "kenh daemon: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- clients ---- */

static void client_close(struct daemon_client *c)
{
	if (c->fd >= 0) close(c->fd);
	mem_free(c->in);
	if (c->out != NULL) sec_free(c->out, c->outcap); /* responses may hold plaintext */
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
	struct daemon_client *c = data;
	size_t need;
	uint8_t *p = NULL;

	if (size > DAEMON_OUT_MAX - c->outlen) return -1;
	need = c->outlen + size;
	if (need > c->outcap) {
		size_t cap = c->outcap < 4096 ? 4096 : c->outcap;

		while (cap < need)
			cap *= 2;
		/* Never realloc a buffer that held plaintext (R5.3): new, copy, wipe the old. */
		if (mem_alloc(cap, (void **)&p) != 0) return -1;
		if (c->outlen > 0) memcpy(p, c->out, c->outlen);
		if (c->out != NULL) sec_free(c->out, c->outcap);
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, buf, size);
	c->outlen += size;
	return 0;
}

void kenh_daemon_send(struct kenh_daemon *d, struct daemon_client *c, json_t *msg)
{
	(void)d;
	if (msg == NULL || c->fd < 0) goto out;
	if (json_dump_callback(msg, dump_cb, c, JSON_COMPACT) != 0 || dump_cb("\n", 1, c) != 0) {
		logline("dropped a client that does not read (%s)", "output over the cap");
		client_close(c);
	}
out:
	json_decref(msg);
}

void kenh_daemon_broadcast(struct kenh_daemon *d, const json_t *msg)
{
	size_t i;

	for (i = 0; i < DAEMON_MAX_CLIENTS; i++)
		if (d->cl[i].fd >= 0 && d->cl[i].subscribed && !d->cl[i].closing)
			kenh_daemon_send(d, &d->cl[i], json_incref((json_t *)(uintptr_t)msg));
}

/* SO_PEERCRED (unix(7)): only our own uid may talk to the daemon (R9.3). */
static bool peer_ok(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char who[64];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
		logline("refused a client: %s", "no peer credentials");
		return false;
	}
	if (cred.uid == geteuid()) return true;
	snprintf(who, sizeof(who), "uid %u, pid %d", (unsigned)cred.uid, (int)cred.pid);
	logline("refused a client of another user (%s)", who);
	return false;
}

static void accept_client(struct kenh_daemon *d)
{
	struct daemon_client *c = NULL;
	size_t i;
	int fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) return;
	if (!peer_ok(fd)) {
		close(fd);
		return;
	}
	for (i = 0; i < DAEMON_MAX_CLIENTS && c == NULL; i++)
		if (d->cl[i].fd < 0) c = &d->cl[i];
	if (c == NULL) {
		logline("refused a client: %s", "too many clients");
		close(fd);
		return;
	}
	if (mem_alloc(CLI_JSONREQ_MAX + 1, (void **)&c->in) != 0) {
		close(fd);
		return;
	}
	c->fd = fd;
}

/* Serve every complete line in the input; an over-long line is refused and the client closed. */
static void serve_lines(struct kenh_daemon *d, struct daemon_client *c)
{
	char *nl;
	size_t n;

	while (c->fd >= 0 && !c->closing && !d->stop &&
	       (nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		n = (size_t)(nl - c->in);
		if (n > 0 && c->in[n - 1] == '\r') n--;
		if (n > 0) kenh_daemon_request(d, c, c->in, n);
		if (c->fd < 0) return;
		n = (size_t)(nl - c->in) + 1;
		memmove(c->in, c->in + n, c->inlen - n);
		c->inlen -= n;
	}
	if (c->fd >= 0 && !c->closing && c->inlen > CLI_JSONREQ_MAX) {
		kenh_daemon_refuse(d, c, -1, "TOO_LARGE", "request over 65536 bytes");
		c->closing = true;
	}
}

static void read_client(struct kenh_daemon *d, struct daemon_client *c)
{
	ssize_t n = recv(c->fd, c->in + c->inlen, CLI_JSONREQ_MAX + 1 - c->inlen, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
	if (n <= 0) {
		c->eof = true;
		if (n < 0) c->outlen = 0; /* a reset: nobody is there to read */
		return;
	}
	c->inlen += (size_t)n;
	serve_lines(d, c);
}

static void write_client(struct daemon_client *c)
{
	ssize_t n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
	if (n < 0) {
		client_close(c);
		return;
	}
	memmove(c->out, c->out + n, c->outlen - (size_t)n);
	c->outlen -= (size_t)n;
}

/* ---- the relay ---- */

static void relay_state(struct kenh_daemon *d)
{
	bool up = d->a->net != NULL;
	json_t *j;

	if (up == d->was_up) return;
	d->was_up = up;
	logline("relay %s", up ? "connected" : "disconnected");
	if (up && d->ever_up) d->reconnects++;
	if (up) d->ever_up = true;
	if (!up) {
		d->backoff_ms = BACKOFF_FIRST_MS;
		d->next_try_ms = kenh_daemon_now_ms() + d->backoff_ms;
	}
	j = json_pack("{s:s,s:s}", "event", "relay", "state", up ? "connected" : "disconnected");
	if (j != NULL) kenh_daemon_broadcast(d, j);
	json_decref(j);
}

/* Fetch and process everything (kenh listen's step). */
static void sync_now(struct kenh_daemon *d)
{
	size_t n = 0;
	int rc;

	d->a->pushed = false;
	d->a->opt.json = true;
	rc = kenh_sync_run(d->a, 0, &n);
	d->last_io_ms = kenh_daemon_now_ms();
	if (rc == KENH_CLI_E_WIPED || d->a->wiped) {
		d->gone = true;
		d->stop = true;
	} else if (rc != 0) {
		logline("sync: %s", kenh_strerror(rc));
	}
	relay_state(d);
}

static void relay_lost(struct kenh_daemon *d)
{
	cli_relay_close(d->a->net);
	d->a->net = NULL;
	d->a->net_calls = 0;
	relay_state(d);
}

static void relay_try(struct kenh_daemon *d)
{
	struct cli_relay *r;

	if (kenh_dev_net(d->a, &r) == 0) {
		sync_now(d);
		if (d->a->net != NULL) return;
	}
	d->next_try_ms = kenh_daemon_now_ms() + d->backoff_ms;
	d->backoff_ms = d->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d->backoff_ms * 2;
}

/* Read every frame TLS holds; a push means something to fetch. */
static void relay_read(struct kenh_daemon *d)
{
	struct cli_relay_frame f;
	bool push = false;
	int rc;

	for (;;) {
		rc = cli_relay_next(d->a->net, 1, &f);
		if (rc == KENH_E_TIMEOUT) break;
		if (rc != 0) {
			relay_lost(d);
			return;
		}
		if (f.request_id == 0) push = true;
		cli_relay_frame_clear(&f);
	}
	d->last_io_ms = kenh_daemon_now_ms();
	if (push) sync_now(d);
}

static void relay_ping(struct kenh_daemon *d)
{
	struct proto_ping req = { kenh_daemon_now_ms() }, resp;

	if (kenh_net_call(d->a, PROTO_PING, &proto_desc_ping, &req, &proto_desc_ping, &resp,
	                  sizeof(resp), NULL) != 0)
		logline("relay ping: %s", "no answer");
	d->last_io_ms = kenh_daemon_now_ms();
	relay_state(d);
}

/* ---- set-up ---- */

static int listen_on(struct kenh_daemon *d)
{
	struct sockaddr_un sa;
	struct stat sb;
	mode_t old;
	int fd, rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(d->sock) >= sizeof(sa.sun_path)) return KENH_ERR(KENH_E_TOO_LARGE);
	memcpy(sa.sun_path, d->sock, strlen(d->sock));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return KENH_ERR(KENH_E_IO);
	/* A socket that answers belongs to a live daemon; one that does not is stale. */
	if (lstat(d->sock, &sb) == 0) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (!S_ISSOCK(sb.st_mode))
			rc = KENH_ERR(KENH_E_INVALID_ARG);
		else if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			rc = KENH_ERR(KENH_E_EXISTS);
		else if (unlink(d->sock) != 0)
			rc = KENH_ERR(KENH_E_IO);
		if (probe >= 0) close(probe);
	}
	old = umask(0177);
	if (rc == 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) rc = KENH_ERR(KENH_E_IO);
	umask(old);
	if (rc == 0 && chmod(d->sock, 0600) != 0) rc = KENH_ERR(KENH_E_IO);
	if (rc == 0 && listen(fd, DAEMON_MAX_CLIENTS) != 0) rc = KENH_ERR(KENH_E_IO);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	d->lfd = fd;
	return 0;
}

/* The socket's folder: made 0700, or, if it exists, ours and set to 0700. */
static int socket_dir(const char *sock)
{
	char dir[KENH_PATH_MAX];
	struct stat sb;
	char *slash;
	int rc;

	if ((rc = cli_path(dir, sizeof(dir), "%s", sock)) != 0) return rc;
	if ((slash = strrchr(dir, '/')) == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	*slash = '\0';
	if ((rc = cli_dir_make(dir)) != 0) return rc;
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != geteuid())
		return KENH_ERR(KENH_E_PERM);
	return chmod(dir, 0700) == 0 ? 0 : KENH_ERR(KENH_E_IO);
}

static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* R5.7: no core dump and no ptrace attachment while the store is unlocked. */
static void harden(void)
{
	struct rlimit rl = { 0, 0 };

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &rl);
}

static int start(struct kenh_daemon *d, const char *sock)
{
	int rc;

	if ((rc = kenh_dev_lock(d->a, true)) == KENH_E_EXISTS)
		return kenh_failf("daemon", "already running on this folder (or a kenh command "
		                            "has it open)");
	if (rc == KENH_E_NOT_FOUND) return kenh_failf(d->a->dir, "no device here (run kenh init)");
	if (rc != 0) return kenh_fail("lock", rc);
	if ((rc = kenh_dev_open(d->a, true)) != 0) return rc;
	if (sock != NULL)
		rc = cli_path(d->sock, sizeof(d->sock), "%s", sock);
	else
		rc = kenh_dev_path(d->a, d->sock, sizeof(d->sock), "daemon/sock");
	if (rc != 0) return kenh_fail("socket path", rc);
	if ((rc = socket_dir(d->sock)) != 0) return kenh_fail("socket folder", rc);
	if ((rc = listen_on(d)) == KENH_E_EXISTS)
		return kenh_failf(d->sock, "already running (a daemon answers on this socket)");
	if (rc == KENH_E_INVALID_ARG) return kenh_failf(d->sock, "exists and is not a socket");
	if (rc != 0) return kenh_fail(d->sock, rc);
	d->sigfd = signals_fd();
	d->capfd[0] = memfd_create("kenh-daemon-stdout", MFD_CLOEXEC);
	d->capfd[1] = memfd_create("kenh-daemon-stderr", MFD_CLOEXEC);
	if (d->sigfd < 0 || d->capfd[0] < 0 || d->capfd[1] < 0)
		return kenh_failf("daemon", "cannot set up signals or capture files");
	if ((rc = mem_calloc(1, sizeof(*d->av), (void **)&d->av)) != 0)
		return kenh_fail("daemon", rc);
	return 0;
}

/* ---- the loop ---- */

static int poll_timeout(const struct kenh_daemon *d)
{
	uint64_t now = kenh_daemon_now_ms(), due;

	due = d->a->net == NULL ? d->next_try_ms : d->last_io_ms + PING_EVERY_MS;
	return due <= now ? 0 : due - now > 60000u ? 60000 : (int)(due - now);
}

/* One poll round: fills pf; returns the count; idx maps pf entries to clients. */
static nfds_t poll_set(struct kenh_daemon *d, struct pollfd *pf, int *idx)
{
	nfds_t n = 0;
	int i;

	pf[n++] = (struct pollfd){ d->sigfd, POLLIN, 0 };
	pf[n++] = (struct pollfd){ d->lfd, POLLIN, 0 };
	pf[n++] = (struct pollfd){ d->a->net != NULL ? cli_relay_fd(d->a->net) : -1, POLLIN, 0 };
	for (i = 0; i < DAEMON_MAX_CLIENTS; i++) {
		struct daemon_client *c = &d->cl[i];

		if (c->fd < 0) continue;
		if ((c->eof || c->closing) && c->outlen == 0) {
			client_close(c);
			continue;
		}
		idx[n] = i;
		pf[n++] = (struct pollfd){ c->fd,
			                   (short)((c->eof || c->closing ? 0 : POLLIN) |
			                           (c->outlen > 0 ? POLLOUT : 0)),
			                   0 };
	}
	return n;
}

static void loop_once(struct kenh_daemon *d)
{
	struct pollfd pf[3 + DAEMON_MAX_CLIENTS];
	int idx[3 + DAEMON_MAX_CLIENTS];
	nfds_t n = poll_set(d, pf, idx), k;

	if (poll(pf, n, poll_timeout(d)) < 0 && errno != EINTR) {
		d->stop = true;
		return;
	}
	if (pf[0].revents & POLLIN) {
		struct signalfd_siginfo si;

		if (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) d->stop = true;
	}
	if (pf[2].revents != 0 && d->a->net != NULL) relay_read(d);
	for (k = 3; k < n && !d->stop; k++) {
		struct daemon_client *c = &d->cl[idx[k]];

		if (c->fd >= 0 && (pf[k].revents & (POLLIN | POLLHUP | POLLERR))) read_client(d, c);
		if (c->fd >= 0 && c->outlen > 0 && (pf[k].revents & POLLOUT)) write_client(c);
		/* A push read during a request's relay call: fetch now. */
		if (d->a->pushed && d->a->net != NULL && !d->stop) sync_now(d);
		relay_state(d);
	}
	if (pf[1].revents & POLLIN && !d->stop) accept_client(d);
	if (d->gone || d->a->wiped) d->stop = true;
	if (d->stop) return;
	if (d->a->net == NULL && kenh_daemon_now_ms() >= d->next_try_ms)
		relay_try(d);
	else if (d->a->net != NULL && kenh_daemon_now_ms() >= d->last_io_ms + PING_EVERY_MS)
		relay_ping(d);
}

/* Give the clients their last responses (shutdown's own), briefly. */
static void flush_all(struct kenh_daemon *d)
{
	uint64_t until = kenh_daemon_now_ms() + FLUSH_MS;
	size_t i;

	for (i = 0; i < DAEMON_MAX_CLIENTS; i++) {
		struct daemon_client *c = &d->cl[i];

		while (c->fd >= 0 && c->outlen > 0 && kenh_daemon_now_ms() < until) {
			struct pollfd pf = { c->fd, POLLOUT, 0 };

			if (poll(&pf, 1, 100) > 0) write_client(c);
		}
		client_close(c);
	}
}

static void stop(struct kenh_daemon *d)
{
	flush_all(d);
	if (d->lfd >= 0) {
		close(d->lfd);
		(void)unlink(d->sock);
	}
	if (d->sigfd >= 0) close(d->sigfd);
	if (d->capfd[0] >= 0) close(d->capfd[0]);
	if (d->capfd[1] >= 0) close(d->capfd[1]);
	mem_free(d->av);
	d->a->on_event = NULL;
}

int cmd_kenh_daemon(struct kenh_app *a, int argc, char **argv)
{
	struct kenh_daemon *d = NULL;
	const char *sock = NULL;
	int i, rc;

	if (argc == 3 && strcmp(argv[1], "--socket") == 0)
		sock = argv[2];
	else if (argc != 1)
		return kenh_usage("daemon [--socket PATH]");
	harden();
	if (mem_calloc(1, sizeof(*d), (void **)&d) != 0) return kenh_fail("daemon", KENH_E_NOMEM);
	d->a = a;
	d->lfd = d->sigfd = d->capfd[0] = d->capfd[1] = -1;
	for (i = 0; i < DAEMON_MAX_CLIENTS; i++)
		d->cl[i].fd = -1;
	if ((rc = start(d, sock)) != 0) goto out;
	a->on_event = kenh_daemon_on_event;
	a->event_arg = d;
	d->started_ms = d->last_io_ms = kenh_daemon_now_ms();
	d->backoff_ms = BACKOFF_FIRST_MS;
	logline("listening on %s", d->sock);
	relay_try(d);
	while (!d->stop)
		loop_once(d);
	logline("%s", d->gone ? "the store was erased by a wipe order: stopped" : "stopped");
	rc = d->gone ? 1 : 0;
out:
	stop(d);
	mem_free(d);
	return rc;
}
