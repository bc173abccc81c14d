// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// Fault-injecting proxy between the agent and a real emulator (kinesalite or
// dynalite), because the emulators never throttle and never fail part of a
// batch. Everything it does not fail is forwarded to the emulator unchanged
// in meaning; partial failures forward the healthy part and answer for the
// rest exactly as AWS does (Kinesis FailedRecordCount + per-record ErrorCode,
// DynamoDB UnprocessedItems).
//   node fault_proxy.js LISTEN_PORT UPSTREAM_PORT
// Control (same port): POST /__fault with a JSON object of counters
//   {"kinesis_fail_every":K,"kinesis_fail_requests":N}  fail records i%K==0 in the next N PutRecords
//   {"ddb_unprocessed_every":K,"ddb_unprocessed_requests":N}  same for BatchWriteItem items
//   {"status":503,"status_requests":N}   answer N requests with that status
//     ,"type":"ProvisionedThroughputExceededException"   ... and that error type
//     ,"status_target":"Query"            ... only requests of that operation
//   {"drop_requests":N}                  close N connections without an answer
//   {"delay_ms":D,"delay_requests":N}    delay N requests
// GET /__stats: what was injected and forwarded.
// GET /__written: {record_id: {at, key}}: at, epoch ms when the first
//   BatchWriteItem carrying that item arrived (no later than it reached
//   the emulator); key, its partition key.
'use strict';
const http = require('http');

const [listenPort, upPort] = process.argv.slice(2).map(Number);
const f = {};
const stats = { requests: 0, forwarded: 0, failed_records: 0, unprocessed_items: 0,
  status_injected: 0, injected_by_target: {}, dropped: 0, delayed: 0, upstream_errors: 0, by_target: {} };

const written = {};

function noteWritten(body) {
  let js;
  try { js = JSON.parse(body); } catch (e) { return; }
  const now = Date.now();
  for (const list of Object.values(js.RequestItems || {})) {
    for (const r of list) {
      const it = (r.PutRequest && r.PutRequest.Item) || {};
      const id = it.record_id && it.record_id.S;
      if (id && !(id in written)) written[id] = { at: now, key: it.id && it.id.S };
    }
  }
}

function take(name) {
  if (f[name] > 0) { f[name]--; return true; }
  return false;
}

function forward(req, body, cb) {
  const headers = Object.assign({}, req.headers);
  headers['content-length'] = Buffer.byteLength(body);
  delete headers['accept-encoding'];
  const up = http.request({ host: '127.0.0.1', port: upPort, path: req.url, method: req.method,
    headers }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => { stats.forwarded++; cb(null, res.statusCode, Buffer.concat(chunks)); });
  });
  up.on('error', (e) => { stats.upstream_errors++; cb(e); });
  up.end(body);
}

function reply(res, status, body) {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

function passthrough(req, res, body) {
  forward(req, body, (err, status, data) => {
    if (err) return req.socket.destroy();
    reply(res, status, data.toString());
  });
}

function putRecords(req, res, body) {
  const js = JSON.parse(body);
  const every = f.kinesis_fail_every;
  const fail = js.Records.map((_, i) => i % every === 0);
  const pass = js.Records.filter((_, i) => !fail[i]);
  const answer = (upRecs, upFailed) => {
    let k = 0;
    const recs = js.Records.map((_, i) => fail[i] ? {
      ErrorCode: 'ProvisionedThroughputExceededException',
      ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream ' + js.StreamName,
    } : upRecs[k++]);
    stats.failed_records += fail.filter(Boolean).length;
    reply(res, 200, { FailedRecordCount: fail.filter(Boolean).length + upFailed, Records: recs });
  };
  if (!pass.length) return answer([], 0);
  forward(req, JSON.stringify(Object.assign({}, js, { Records: pass })), (err, status, data) => {
    if (err) return req.socket.destroy();
    if (status !== 200) return reply(res, status, data.toString());
    const up = JSON.parse(data);
    answer(up.Records, up.FailedRecordCount || 0);
  });
}

function batchWrite(req, res, body) {
  const js = JSON.parse(body);
  const every = f.ddb_unprocessed_every;
  const held = {};
  const sent = {};
  let nheld = 0;
  for (const [table, list] of Object.entries(js.RequestItems)) {
    held[table] = list.filter((_, i) => i % every === 0);
    sent[table] = list.filter((_, i) => i % every !== 0);
    nheld += held[table].length;
    if (!held[table].length) delete held[table];
    if (!sent[table].length) delete sent[table];
  }
  stats.unprocessed_items += nheld;
  if (!Object.keys(sent).length) return reply(res, 200, { UnprocessedItems: held });
  forward(req, JSON.stringify(Object.assign({}, js, { RequestItems: sent })), (err, status, data) => {
    if (err) return req.socket.destroy();
    if (status !== 200) return reply(res, status, data.toString());
    const up = JSON.parse(data);
    const un = up.UnprocessedItems || {};
    for (const [t, l] of Object.entries(held)) un[t] = (un[t] || []).concat(l);
    up.UnprocessedItems = un;
    reply(res, 200, up);
  });
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    if (req.url === '/__fault') {
      Object.assign(f, JSON.parse(body || '{}'));
      return reply(res, 200, f);
    }
    if (req.url === '/__stats') return reply(res, 200, Object.assign({ faults: f }, stats));
    if (req.url === '/__written') return reply(res, 200, written);
    stats.requests++;
    const tgt = (req.headers['x-amz-target'] || '').replace(/^.*\./, '');
    stats.by_target[tgt] = (stats.by_target[tgt] || 0) + 1;
    if (tgt === 'BatchWriteItem') noteWritten(body);
    if (take('drop_requests')) { stats.dropped++; return req.socket.destroy(); }
    if (f.status_requests > 0 && (!f.status_target || f.status_target === tgt) && take('status_requests')) {
      stats.status_injected++;
      stats.injected_by_target[tgt] = (stats.injected_by_target[tgt] || 0) + 1;
      return reply(res, f.status || 500, { __type: 'com.amazonaws.dynamodb.v20120810#' + (f.type || 'InternalFailure'), message: 'injected by fault_proxy' });
    }
    const go = () => {
      const target = req.headers['x-amz-target'] || '';
      if (target.endsWith('.PutRecords') && f.kinesis_fail_requests > 0) {
        f.kinesis_fail_requests--;
        return putRecords(req, res, body);
      }
      if (target.endsWith('.BatchWriteItem') && f.ddb_unprocessed_requests > 0) {
        f.ddb_unprocessed_requests--;
        return batchWrite(req, res, body);
      }
      passthrough(req, res, body);
    };
    if (take('delay_requests')) { stats.delayed++; return setTimeout(go, f.delay_ms || 1000); }
    go();
  });
}).listen(listenPort, '127.0.0.1');
