#!/usr/bin/env node
// SPDX-License-Identifier: ISC
// Copyright (c) 2026 The Kenh developers
//
// An MLS party (RFC 9420) built on ts-mls, speaking exactly the command line
// of kenh-mls (issue 3 item 4), so the interop scripts can put either
// implementation on either side of a file exchange. Every file holds one
// TLS-serialized MLSMessage (RFC 9420 §6): KeyPackages wrapped with wire
// format 5 (a bare KeyPackage is accepted too), Welcomes whose GroupInfo
// carries the ratchet_tree extension (§12.4.3.3), commits as PublicMessage
// (§6.2) and application data as PrivateMessage (§6.3). Credentials are basic
// credentials holding the --identity string. The state file is JSON: the
// pending KeyPackage with its private keys, and ts-mls's own serialization of
// the group state (encodeGroupState), hex encoded.
//
// Exit 0 on success; 1 on an MLS or processing error (one line on stderr,
// state file untouched); 2 on a usage error. This is a test peer only: it
// keeps private keys unencrypted in the state file and accepts every
// credential (ts-mls's default authentication service).

import { readFileSync, writeFileSync, renameSync, existsSync } from "node:fs";
import { randomBytes, webcrypto } from "node:crypto";
import {
	ciphersuites,
	createApplicationMessage,
	createCommit,
	createGroup,
	decodeGroupState,
	decodeMlsMessage,
	defaultCapabilities,
	emptyPskIndex,
	encodeGroupState,
	encodeMlsMessage,
	generateKeyPackage,
	getCiphersuiteFromName,
	getCiphersuiteImpl,
	joinGroup,
	makePskIndex,
	mlsExporter,
	processMessage,
	acceptAll,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { decodeKeyPackage } from "ts-mls/keyPackage.js";

// ts-mls reaches WebCrypto through the global `crypto`, which Node.js 18
// (Debian 12's nodejs) only has behind a flag; it is looked up at call time,
// so providing it here is early enough.
if (globalThis.crypto === undefined) globalThis.crypto = webcrypto;

const USAGE = `usage:
  tsmls-party keypackage --suite N --identity ID --state S --out KP
  tsmls-party create     --state S [--suite N --identity ID] [--group-id-hex HEX]
  tsmls-party add        --state S --keypackage KP[,KP...] --commit-out C --welcome-out W
  tsmls-party join       --state S --welcome W
  tsmls-party send       --state S --text TEXT --out M
  tsmls-party recv       --state S --in M
  tsmls-party update     --state S --commit-out C
  tsmls-party remove     --state S --member ID --commit-out C
  tsmls-party info       --state S
  tsmls-party decode     --in FILE`;

// Options each command takes, and which of them it requires.
const COMMANDS = {
	keypackage: { opts: ["suite", "identity", "state", "out"], need: ["suite", "identity", "state", "out"] },
	create: { opts: ["state", "suite", "identity", "group-id-hex"], need: ["state"] },
	add: { opts: ["state", "keypackage", "commit-out", "welcome-out"], need: ["state", "keypackage", "commit-out", "welcome-out"] },
	join: { opts: ["state", "welcome"], need: ["state", "welcome"] },
	send: { opts: ["state", "text", "out"], need: ["state", "text", "out"] },
	recv: { opts: ["state", "in"], need: ["state", "in"] },
	update: { opts: ["state", "commit-out"], need: ["state", "commit-out"] },
	remove: { opts: ["state", "member", "commit-out"], need: ["state", "member", "commit-out"] },
	info: { opts: ["state"], need: ["state"] },
	decode: { opts: ["in"], need: ["in"] },
};

class UsageError extends Error {}
class PartyError extends Error {}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

const toHex = (b) => Buffer.from(b).toString("hex");
const fromHex = (h) => {
	if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new UsageError(`not hex: ${h}`);
	return new Uint8Array(Buffer.from(h, "hex"));
};

function parseArgs(argv) {
	const [cmd, ...rest] = argv;
	const spec = COMMANDS[cmd];
	if (spec === undefined) throw new UsageError(`unknown command: ${cmd ?? "(none)"}`);
	const o = {};
	for (let i = 0; i < rest.length; i += 2) {
		const flag = rest[i];
		if (!flag.startsWith("--") || !spec.opts.includes(flag.slice(2)))
			throw new UsageError(`${cmd}: unknown option ${flag}`);
		if (i + 1 >= rest.length) throw new UsageError(`${cmd}: ${flag} needs a value`);
		o[flag.slice(2)] = rest[i + 1];
	}
	for (const n of spec.need) if (o[n] === undefined) throw new UsageError(`${cmd}: --${n} is required`);
	return [cmd, o];
}

function suiteName(n) {
	const id = Number(n);
	const name = Object.keys(ciphersuites).find((k) => ciphersuites[k] === id);
	if (!/^[0-9]+$/.test(String(n)) || name === undefined) throw new UsageError(`unknown cipher suite ${n}`);
	return name;
}

const implFor = (name) => getCiphersuiteImpl(getCiphersuiteFromName(name));

// --- state file ---

function loadState(path) {
	if (!existsSync(path)) return {};
	return JSON.parse(readFileSync(path, "utf8"));
}

// Write to a temporary file and rename, so a crash never leaves half a state.
function saveState(path, st) {
	writeFileSync(`${path}.tmp`, JSON.stringify(st, null, 1));
	renameSync(`${path}.tmp`, path);
}

function packPending(kp) {
	return {
		keyPackage: toHex(encodeMlsMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage: kp.publicPackage })),
		initPrivateKey: toHex(kp.privatePackage.initPrivateKey),
		hpkePrivateKey: toHex(kp.privatePackage.hpkePrivateKey),
		signaturePrivateKey: toHex(kp.privatePackage.signaturePrivateKey),
	};
}

function unpackPending(p) {
	return {
		publicPackage: readKeyPackage(fromHex(p.keyPackage), "state"),
		privatePackage: {
			initPrivateKey: fromHex(p.initPrivateKey),
			hpkePrivateKey: fromHex(p.hpkePrivateKey),
			signaturePrivateKey: fromHex(p.signaturePrivateKey),
		},
	};
}

function groupOf(st) {
	if (st.group === undefined) throw new PartyError("the state holds no group");
	const r = decodeGroupState(fromHex(st.group), 0);
	if (r === undefined) throw new PartyError("the state's group does not decode");
	return { ...r[0], clientConfig: defaultClientConfig };
}

const putGroup = (st, g) => ({ ...st, group: toHex(encodeGroupState(g)) });

// --- messages ---

function readMessage(path) {
	const b = new Uint8Array(readFileSync(path));
	const r = decodeMlsMessage(b, 0);
	if (r === undefined) throw new PartyError(`${path}: not an MLSMessage`);
	if (r[1] !== b.length) throw new PartyError(`${path}: ${b.length - r[1]} trailing bytes after the MLSMessage`);
	return r[0];
}

// Decode all of b with dec, or return undefined (ts-mls decoders may throw).
function decodeWhole(dec, b) {
	try {
		const r = dec(b, 0);
		return r !== undefined && r[1] === b.length ? r[0] : undefined;
	} catch {
		return undefined;
	}
}

// A KeyPackage wrapped in MLSMessage (wire format 5), or a bare one. The
// first four bytes cannot tell them apart: a bare suite-3 KeyPackage starts
// 0001 0003, the header of an MLSMessage holding a Welcome. So both parses
// are tried on the whole input.
function readKeyPackage(b, where) {
	const m = decodeWhole(decodeMlsMessage, b);
	if (m !== undefined && m.wireformat === "mls_key_package") return m.keyPackage;
	const k = decodeWhole(decodeKeyPackage, b);
	if (k !== undefined) return k;
	if (m !== undefined) throw new PartyError(`${where}: MLSMessage is ${m.wireformat}, not a KeyPackage`);
	throw new PartyError(`${where}: neither an MLSMessage nor a KeyPackage`);
}

const writeMessage = (path, m) => writeFileSync(path, encodeMlsMessage(m));

function identityOf(leaf) {
	const c = leaf.credential;
	if (c.credentialType !== "basic") return null;
	try {
		return dec.decode(c.identity);
	} catch {
		return toHex(c.identity);
	}
}

// RFC 9420 §7.2: ts-mls's defaultLifetime runs from 0 to 2^63 - 1, and kenh
// refuses a KeyPackage that lives longer than its bound (91 days by
// default), as the RFC asks of applications. Start an hour ago and last 30
// days, as a deployed peer would.
function boundedLifetime() {
	const now = BigInt(Math.floor(Date.now() / 1000));
	return { notBefore: now - 3600n, notAfter: now + 30n * 86400n };
}

// Leaf index => identity for every non-blank leaf (leaf i is node 2i).
function members(g) {
	const out = [];
	g.ratchetTree.forEach((n, i) => {
		if (n !== undefined && n.nodeType === "leaf") out.push({ leaf: i / 2, identity: identityOf(n.leaf) });
	});
	return out;
}

// --- commands ---

async function cmdKeypackage(o) {
	const name = suiteName(o.suite);
	const kp = await generateKeyPackage(
		{ credentialType: "basic", identity: enc.encode(o.identity) },
		defaultCapabilities(),
		boundedLifetime(),
		[],
		await implFor(name),
	);
	const st = { ...loadState(o.state), suite: name, identity: o.identity, pending: packPending(kp) };
	writeFileSync(o.out, fromHex(st.pending.keyPackage));
	saveState(o.state, st);
}

async function cmdCreate(o) {
	let st = loadState(o.state);
	if (st.group !== undefined) throw new PartyError("the state already holds a group");
	if (st.pending === undefined) {
		if (o.suite === undefined || o.identity === undefined)
			throw new UsageError("create: --suite and --identity are required without a pending KeyPackage");
		const name = suiteName(o.suite);
		const kp = await generateKeyPackage(
			{ credentialType: "basic", identity: enc.encode(o.identity) },
			defaultCapabilities(),
			boundedLifetime(),
			[],
			await implFor(name),
		);
		st = { ...st, suite: name, identity: o.identity, pending: packPending(kp) };
	} else if (o.suite !== undefined && suiteName(o.suite) !== st.suite) {
		throw new PartyError(`the pending KeyPackage is for ${st.suite}, not suite ${o.suite}`);
	}
	const kp = unpackPending(st.pending);
	const gid = o["group-id-hex"] !== undefined ? fromHex(o["group-id-hex"]) : new Uint8Array(randomBytes(16));
	const g = await createGroup(gid, kp.publicPackage, kp.privatePackage, [], await implFor(st.suite));
	delete st.pending;
	saveState(o.state, putGroup(st, g));
}

// Commit the given proposals as a PublicMessage, with a Welcome carrying the
// ratchet tree, and apply the commit to our own state at once.
async function commitAndSave(o, st, g, proposals) {
	const cs = await implFor(g.groupContext.cipherSuite);
	const r = await createCommit(
		{ state: g, cipherSuite: cs, pskIndex: makePskIndex(g, {}) },
		{ extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true },
	);
	writeMessage(o["commit-out"], r.commit);
	if (o["welcome-out"] !== undefined) {
		if (r.welcome === undefined) throw new PartyError("the commit produced no Welcome");
		writeMessage(o["welcome-out"], { version: "mls10", wireformat: "mls_welcome", welcome: r.welcome });
	}
	saveState(o.state, putGroup(st, r.newState));
}

async function cmdAdd(o) {
	const st = loadState(o.state);
	const g = groupOf(st);
	const props = o.keypackage.split(",").map((p) => ({
		proposalType: "add",
		add: { keyPackage: readKeyPackage(new Uint8Array(readFileSync(p)), p) },
	}));
	await commitAndSave(o, st, g, props);
}

async function cmdUpdate(o) {
	const st = loadState(o.state);
	// RFC 9420 §12.4: an empty commit carries a path, refreshing our leaf.
	await commitAndSave(o, st, groupOf(st), []);
}

async function cmdRemove(o) {
	const st = loadState(o.state);
	const g = groupOf(st);
	const m = members(g).filter((x) => x.identity === o.member);
	if (m.length !== 1) throw new PartyError(`${m.length} members have identity ${o.member}`);
	await commitAndSave(o, st, g, [{ proposalType: "remove", remove: { removed: m[0].leaf } }]);
}

async function cmdJoin(o) {
	const st = loadState(o.state);
	if (st.pending === undefined) throw new PartyError("the state holds no pending KeyPackage");
	if (st.group !== undefined) throw new PartyError("the state already holds a group");
	const m = readMessage(o.welcome);
	if (m.wireformat !== "mls_welcome") throw new PartyError(`${o.welcome} is ${m.wireformat}, not a Welcome`);
	const kp = unpackPending(st.pending);
	// No ratchetTree argument: the tree must come from the Welcome's extension.
	const g = await joinGroup(m.welcome, kp.publicPackage, kp.privatePackage, emptyPskIndex, await implFor(st.suite));
	delete st.pending;
	saveState(o.state, putGroup(st, g));
}

async function cmdSend(o) {
	const st = loadState(o.state);
	const g = groupOf(st);
	const r = await createApplicationMessage(g, enc.encode(o.text), await implFor(g.groupContext.cipherSuite));
	writeMessage(o.out, { version: "mls10", wireformat: "mls_private_message", privateMessage: r.privateMessage });
	saveState(o.state, putGroup(st, r.newState));
}

async function cmdRecv(o) {
	const st = loadState(o.state);
	const g = groupOf(st);
	const m = readMessage(o.in);
	if (m.wireformat !== "mls_private_message" && m.wireformat !== "mls_public_message")
		throw new PartyError(`${o.in} is ${m.wireformat}, not a group message`);
	const cs = await implFor(g.groupContext.cipherSuite);
	const r = await processMessage(m, g, makePskIndex(g, {}), acceptAll, cs);
	let line;
	if (r.kind === "applicationMessage") {
		line = dec.decode(r.message);
	} else if (r.newState.groupActiveState.kind === "removedFromGroup") {
		// RFC 9420 §12.4.2: a removed member cannot derive the new epoch's
		// secrets, so ts-mls keeps the old epoch; report the commit's epoch.
		line = `commit processed epoch=${g.groupContext.epoch + 1n} removed=true`;
	} else if (r.newState.groupContext.epoch !== g.groupContext.epoch) {
		line = `commit processed epoch=${r.newState.groupContext.epoch}`;
	} else {
		line = "proposal stored";
	}
	saveState(o.state, putGroup(st, r.newState));
	process.stdout.write(`${line}\n`);
}

async function cmdInfo(o) {
	const g = groupOf(loadState(o.state));
	const cs = await implFor(g.groupContext.cipherSuite);
	const x = await mlsExporter(g.keySchedule.exporterSecret, "exporter", new Uint8Array(0), 32, cs);
	const info = { epoch: Number(g.groupContext.epoch), members: members(g), exporter: toHex(x) };
	process.stdout.write(`${JSON.stringify(info)}\n`);
}

// ts-mls's decoded object, made JSON-friendly: bytes as hex, bigints as numbers.
function describe(v) {
	if (v instanceof Uint8Array) return toHex(v);
	if (typeof v === "bigint") return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
	if (Array.isArray(v)) return v.map(describe);
	if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), describe(x)]));
	if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describe(x)]));
	return v;
}

async function cmdDecode(o) {
	const m = readMessage(o.in);
	process.stdout.write(`${JSON.stringify(describe(m), null, 1)}\n`);
}

const RUN = {
	keypackage: cmdKeypackage,
	create: cmdCreate,
	add: cmdAdd,
	join: cmdJoin,
	send: cmdSend,
	recv: cmdRecv,
	update: cmdUpdate,
	remove: cmdRemove,
	info: cmdInfo,
	decode: cmdDecode,
};

async function main() {
	let cmd, o;
	try {
		[cmd, o] = parseArgs(process.argv.slice(2));
	} catch (e) {
		process.stderr.write(`tsmls-party: ${e.message}\n${USAGE}\n`);
		return 2;
	}
	try {
		await RUN[cmd](o);
		return 0;
	} catch (e) {
		const msg = String(e?.message ?? e).split("\n")[0];
		process.stderr.write(`tsmls-party ${cmd}: ${e?.name ?? "Error"}: ${msg}\n`);
		return e instanceof UsageError ? 2 : 1;
	}
}

process.exitCode = await main();
