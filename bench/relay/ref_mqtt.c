/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The mosquitto reference of bench/relay: MQTT 3.1.1 QoS 1 over TLS on
 * 127.0.0.1, with libmosquitto.
 *
 *   ref_mqtt fanout PORT CA MESSAGES SIZE RECEIVERS
 *       RECEIVERS subscribers on one topic (QoS 1), one publisher keeping
 *       128 QoS 1 messages in flight (as kenh-relayc keeps 128 requests);
 *       each payload starts with its send time. Same report line as
 *       kenh-relayc bench-fanout.
 *   ref_mqtt idle PORT CA COUNT PID
 *       COUNT TLS connections, each with an MQTT CONNECT answered by a
 *       CONNACK, kept idle; the broker's VmRSS per connection.
 */
#include "ref_common.h"

#include "util/compat.h"

#include <mosquitto.h>
#include <unistd.h>

#include "util/mem.h"

#define WINDOW 128
#define TOPIC  "kenh/bench"

struct ctx {
	struct ref_lat *lat;
	volatile int subscribed;
	volatile long acked;
};

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct ctx *c = arg;

	(void)m;
	if (msg->payloadlen < 8) return;
	ref_lat_add(c->lat, ref_stamp_age(msg->payload, (size_t)msg->payloadlen));
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *qos)
{
	(void)m;
	(void)mid;
	(void)n;
	(void)qos;
	__sync_fetch_and_add(&((struct ctx *)arg)->subscribed, 1);
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	(void)m;
	(void)mid;
	__sync_fetch_and_add(&((struct ctx *)arg)->acked, 1);
}

static struct mosquitto *client(const char *id, const char *port, const char *ca, struct ctx *c)
{
	struct mosquitto *m = mosquitto_new(id, true, c);

	if (m == NULL) exit(1);
	/* The CA is checked; the name check is off (the certificate names an IP address). */
	if (mosquitto_tls_set(m, ca, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS ||
	    mosquitto_tls_insecure_set(m, true) != MOSQ_ERR_SUCCESS)
		exit(1);
	mosquitto_max_inflight_messages_set(m, WINDOW);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_publish_callback_set(m, on_publish);
	if (mosquitto_connect(m, "127.0.0.1", (int)ref_arg(port), 600) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "ref_mqtt: connect failed\n");
		exit(1);
	}
	if (mosquitto_loop_start(m) != MOSQ_ERR_SUCCESS) exit(1);
	return m;
}

static int fanout(const char *port, const char *ca, long messages, int size, int n)
{
	struct mosquitto **subs = NULL, *pub;
	struct ctx c = { ref_lat_new((size_t)messages * (size_t)n), 0, 0 };
	uint8_t payload[4096];
	uint64_t t0, deadline;
	long sent = 0;
	char id[32];
	int i;

	if (mem_calloc((size_t)n, sizeof(*subs), (void **)&subs) != 0) return 1;
	mosquitto_lib_init();
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "sub%d", i);
		subs[i] = client(id, port, ca, &c);
		mosquitto_subscribe(subs[i], NULL, TOPIC, 1);
	}
	while (c.subscribed < n)
		usleep(1000);
	pub = client("pub", port, ca, &c);
	memset(payload, 'x', sizeof(payload));
	t0 = ref_now_ns();
	while (sent < messages) {
		if (sent - c.acked >= WINDOW) {
			usleep(20);
			continue;
		}
		ref_stamp(payload);
		if (mosquitto_publish(pub, NULL, TOPIC, size, payload, 1, false) ==
		    MOSQ_ERR_SUCCESS)
			sent++;
	}
	deadline = ref_now_ns() + 120000000000ull;
	while (ref_lat_count(c.lat) < (size_t)(messages * n) && ref_now_ns() < deadline)
		usleep(1000);
	ref_lat_report(c.lat, (size_t)n, (uint64_t)messages, t0);
	for (i = 0; i < n; i++)
		mosquitto_disconnect(subs[i]);
	mosquitto_disconnect(pub);
	return ref_lat_count(c.lat) == (size_t)(messages * n) ? 0 : 1;
}

/* MQTT 3.1.1 CONNECT (clean session, keep-alive off) and its CONNACK. */
static int mqtt_connect(SSL *ssl, long i)
{
	uint8_t pkt[64], ack[4];
	char id[24];
	int idlen = snprintf(id, sizeof(id), "idle%ld", i), n = 0, got = 0, r;

	pkt[n++] = 0x10;
	pkt[n++] = (uint8_t)(10 + 2 + idlen);
	memcpy(pkt + n, "\0\4MQTT\4\2\0\0", 10);
	n += 10;
	pkt[n++] = 0;
	pkt[n++] = (uint8_t)idlen;
	memcpy(pkt + n, id, (size_t)idlen);
	n += idlen;
	if (SSL_write(ssl, pkt, n) != n) return -1;
	while (got < 4 && (r = SSL_read(ssl, ack + got, 4 - got)) > 0)
		got += r;
	return got == 4 && ack[0] == 0x20 && ack[3] == 0 ? 0 : -1;
}

static int open_one(SSL_CTX *ctx, const char *port, long i)
{
	int fd;
	SSL *ssl = ref_tls_connect(ctx, port, &fd, -1);

	/* The connection stays open, idle, until the process ends. */
	return ssl != NULL && mqtt_connect(ssl, i) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	return ref_main(argc, argv, "ref_mqtt", fanout, open_one);
}
