// Starts the reference PLC directory and PDS on 127.0.0.1 (run with Node 22 and --require ./loopback.cjs), writes
// records with the official client, and prints one JSON line describing the network. Stops when stdin closes.
// With CAPTURE_DIR set (scripts/capture-reference-repos.sh), it instead writes the interop record-data vectors
// (from VECTORS_DIR) to an account of their own, saves that repo and alice's as the PDS exports them (signed CAR,
// DID document, latest commit, listRecords) into CAPTURE_DIR, and exits: fixtures of the reference implementation.
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as plc from '@did-plc/server';
import * as pds from '@atproto/pds';
import { AtpAgent } from '@atproto/api';
import { Secp256k1Keypair } from '@atproto/crypto';

const POST = 'com.example.interop.post';
const LIKE = 'com.example.interop.like';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: await freePort() });
await plcServer.start();
const plcUrl = `http://localhost:${plcServer.server.address().port}`;

const dir = mkdtempSync(join(tmpdir(), 'happyview-interop-'));
const port = await freePort();
const rotationKey = await Secp256k1Keypair.create({ exportable: true });
const env = {
  devMode: true,
  port,
  hostname: 'localhost',
  dataDirectory: dir,
  blobstoreDiskLocation: join(dir, 'blobs'),
  didPlcUrl: plcUrl,
  plcRotationKeyK256PrivateKeyHex: Buffer.from(await rotationKey.export()).toString('hex'),
  jwtSecret: 'interop-jwt-secret',
  adminPassword: 'interop-admin',
  serviceHandleDomains: ['.test'],
  inviteRequired: false,
  disableSsrfProtection: true,
  bskyAppViewUrl: 'https://appview.invalid',
  bskyAppViewDid: 'did:example:appview',
  modServiceUrl: 'https://moderation.invalid',
  modServiceDid: 'did:example:moderation',
};
const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env));
await server.start();
const pdsUrl = `http://localhost:${port}`;

const dids = [];
const deactivated = [];
for (const name of ['alice', 'bob', 'carol', 'dave']) {
  const agent = new AtpAgent({ service: pdsUrl });
  await agent.createAccount({ email: `${name}@example.test`, handle: `${name}.test`, password: 'interop-pass' });
  const did = agent.session.did;
  dids.push(did);
  const blob = await agent.uploadBlob(new Uint8Array([137, 80, 78, 71, 1, 2, 3, name.length]), { encoding: 'image/png' });
  const posts = [];
  for (let i = 0; i < 25; i++) {
    const record = {
      $type: POST,
      text: `${name} says hello #${i} — ünïcödé ✓`,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      count: i,
      flags: [true, false, null],
      nested: { depth: { deeper: [i, `x${i}`, { z: -i }] } },
      bytes: { $bytes: Buffer.from(`payload-${i}`).toString('base64').replace(/=+$/, '') },
    };
    if (i % 5 === 0) record.image = blob.data.blob;
    const res = await agent.com.atproto.repo.createRecord({ repo: did, collection: POST, record });
    posts.push(res.data);
  }
  // A strong ref to another record ($link-free JSON, but a CID string inside), an update and a delete.
  for (let i = 0; i < 4; i++) {
    await agent.com.atproto.repo.createRecord({
      repo: did,
      collection: LIKE,
      record: { $type: LIKE, subject: { uri: posts[i].uri, cid: posts[i].cid }, createdAt: new Date(Date.UTC(2026, 1, 1)).toISOString() },
    });
  }
  const rkey = posts[1].uri.split('/').pop();
  await agent.com.atproto.repo.putRecord({
    repo: did, collection: POST, rkey,
    record: { $type: POST, text: `${name} edited`, createdAt: new Date(Date.UTC(2026, 2, 1)).toISOString() },
  });
  await agent.com.atproto.repo.deleteRecord({ repo: did, collection: POST, rkey: posts[2].uri.split('/').pop() });
  if (name === 'alice') {
    // Edges of the data model the PDS accepts: a bare CID link, the largest safe integers, empty values, escapes
    // (and text that quotes an escape), astral characters, an empty key, deep nesting. And, in a record of its own,
    // a NUL, which the PDS stores but Postgres jsonb cannot.
    let deep = { leaf: true };
    for (let d = 0; d < 30; d++) deep = { d, deep };
    await agent.com.atproto.repo.createRecord({
      repo: did, collection: POST, rkey: 'edges',
      record: {
        $type: POST, text: 'edges', createdAt: new Date(Date.UTC(2026, 3, 1)).toISOString(),
        link: { $link: posts[0].cid }, big: Number.MAX_SAFE_INTEGER, small: Number.MIN_SAFE_INTEGER, zero: 0,
        empty: '', emptyObject: {}, emptyArray: [], escapes: 'quote " backslash \\ tab \t newline \n',
        quoted: 'the escape \\u0000 as text', astral: '👩‍👩‍👧 𝄞', '': 'empty key', 'ключ': 'значение', deep,
      },
    });
    await agent.com.atproto.repo.createRecord({
      repo: did, collection: POST, rkey: 'nul',
      record: { $type: POST, text: 'a\u0000b', createdAt: new Date(Date.UTC(2026, 3, 2)).toISOString() },
    });
  }
  // dave has records but leaves: the PDS then refuses his repo, and a backfill must skip him with a reason.
  if (name === 'dave') {
    await agent.com.atproto.server.deactivateAccount({});
    deactivated.push(did);
  }
}

const stop = async () => {
  try { await server.destroy(); } catch { /* exiting anyway */ }
  try { await plcServer.destroy(); } catch { /* exiting anyway */ }
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};

async function xrpc(method, params) {
  const res = await fetch(`${pdsUrl}/xrpc/${method}?${new URLSearchParams(params)}`);
  if (!res.ok) throw new Error(`${method} ${JSON.stringify(params)}: ${res.status} ${await res.text()}`);
  return method === 'com.atproto.sync.getRepo' ? Buffer.from(await res.arrayBuffer()) : res.json();
}

async function capture(out) {
  mkdirSync(out, { recursive: true });
  const agent = new AtpAgent({ service: pdsUrl });
  await agent.createAccount({ email: 'vectors@example.test', handle: 'vectors.test', password: 'interop-pass' });
  const vectorsDid = agent.session.did;
  // The vectors are lexicon test data: records valid and invalid for example.lexicon.record. The PDS does not
  // know that lexicon, so it stores whatever the data model allows and refuses the rest; both lists are kept. A
  // record must reference blobs the PDS holds, so the vectors' blob references are replaced by an uploaded blob's.
  const blob = (await agent.uploadBlob(new TextEncoder().encode('a blob for the record-data vectors'),
    { encoding: 'text/plain' })).data.blob;
  const withOurBlob = (v) => {
    if (Array.isArray(v)) return v.map(withOurBlob);
    if (v === null || typeof v !== 'object') return v;
    if (v.$type === 'blob') return blob;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withOurBlob(x)]));
  };
  const written = [];
  const refused = [];
  for (const kind of ['valid', 'invalid']) {
    const vectors = JSON.parse(readFileSync(join(process.env.VECTORS_DIR, `record-data-${kind}.json`), 'utf8'));
    for (const [i, v] of vectors.entries()) {
      const rkey = `${kind}-${i}`;
      try {
        await agent.com.atproto.repo.createRecord({
          repo: vectorsDid, collection: 'example.lexicon.record', rkey, record: withOurBlob(v.data), validate: false,
        });
        written.push({ name: v.name, kind, rkey, blobReplaced: JSON.stringify(v.data).includes('"$type":"blob"') });
      } catch (e) {
        refused.push({ name: v.name, kind, rkey, error: String(e.message) });
      }
    }
  }
  for (const [name, did] of [['alice', dids[0]], ['vectors', vectorsDid]]) {
    const described = await xrpc('com.atproto.repo.describeRepo', { repo: did });
    const records = [];
    for (const collection of described.collections) {
      let cursor;
      do {
        const page = await xrpc('com.atproto.repo.listRecords', { repo: did, collection, limit: 100, ...(cursor ? { cursor } : {}) });
        records.push(...page.records);
        cursor = page.records.length ? page.cursor : undefined;
      } while (cursor);
    }
    const commit = await xrpc('com.atproto.sync.getLatestCommit', { did });
    writeFileSync(join(out, `${name}.car`), await xrpc('com.atproto.sync.getRepo', { did }));
    const meta = { did, didDoc: described.didDoc, commit, records, ...(name === 'vectors' ? { written, refused } : {}) };
    writeFileSync(join(out, `${name}.json`), JSON.stringify(meta, null, 1) + '\n');
  }
}

if (process.env.CAPTURE_DIR) {
  await capture(process.env.CAPTURE_DIR);
  await stop();
}
process.stdout.write(JSON.stringify({ plc_url: plcUrl, pds_url: pdsUrl, dids, deactivated, collections: [POST, LIKE] }) + '\n');
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
