// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// Test-side AWS client for the emulators (kinesalite, dynalite): sets up
// streams and tables and reads back what the agent wrote. The emulators check
// that a SigV4 Authorization header is well formed, not its signature, so a
// fixed well-formed header is enough here; the agent's own requests are signed
// for real by libcurl.
//   node aws_tool.js create-stream URL NAME SHARDS
//   node aws_tool.js read-stream URL NAME        -> "PARTITIONKEY\tDATA" lines
//   node aws_tool.js create-table URL TABLE
//   node aws_tool.js query URL TABLE ID          -> one item (DynamoDB JSON) a line
//   node aws_tool.js scan URL TABLE              -> one item a line
//   node aws_tool.js describe-table URL TABLE
'use strict';
const http = require('http');

function call(url, target, body, version) {
  const u = new URL(url);
  const data = JSON.stringify(body);
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const svc = target.startsWith('Kinesis') ? 'kinesis' : 'dynamodb';
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: '/', method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-' + version,
        'X-Amz-Target': target,
        'X-Amz-Date': date,
        'Content-Length': Buffer.byteLength(data),
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDTEST/' + date.slice(0, 8) +
          '/us-east-1/' + svc + '/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, ' +
          'Signature=' + '0'.repeat(64),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let js = {};
        try { js = JSON.parse(text); } catch (e) { js = { raw: text }; }
        if (res.statusCode !== 200) {
          const err = new Error(target + ': HTTP ' + res.statusCode + ' ' + text);
          err.body = js;
          return reject(err);
        }
        resolve(js);
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
const kin = (url, op, body) => call(url, 'Kinesis_20131202.' + op, body, '1.1');
const ddb = (url, op, body) => call(url, 'DynamoDB_20120810.' + op, body, '1.0');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const [cmd, url, name, arg] = process.argv.slice(2);
  switch (cmd) {
  case 'create-stream': {
    await kin(url, 'CreateStream', { StreamName: name, ShardCount: Number(arg || 1) });
    for (let i = 0; i < 100; i++) {
      const d = await kin(url, 'DescribeStream', { StreamName: name });
      if (d.StreamDescription.StreamStatus === 'ACTIVE') return;
      await sleep(100);
    }
    throw new Error('stream not ACTIVE');
  }
  case 'read-stream': {
    const d = await kin(url, 'DescribeStream', { StreamName: name });
    const out = [];
    for (const sh of d.StreamDescription.Shards) {
      let it = (await kin(url, 'GetShardIterator', {
        StreamName: name, ShardId: sh.ShardId, ShardIteratorType: 'TRIM_HORIZON',
      })).ShardIterator;
      for (;;) {
        const r = await kin(url, 'GetRecords', { ShardIterator: it, Limit: 10000 });
        for (const rec of r.Records)
          out.push(rec.PartitionKey + '\t' + Buffer.from(rec.Data, 'base64').toString());
        if (!r.Records.length || !r.NextShardIterator) break;
        it = r.NextShardIterator;
      }
    }
    process.stdout.write(out.map((l) => l + '\n').join(''));
    return;
  }
  case 'create-table': {
    await ddb(url, 'CreateTable', {
      TableName: name, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'timestamp', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' },
        { AttributeName: 'timestamp', KeyType: 'RANGE' }],
    });
    for (let i = 0; i < 100; i++) {
      const d = await ddb(url, 'DescribeTable', { TableName: name });
      if (d.Table.TableStatus === 'ACTIVE') return;
      await sleep(100);
    }
    throw new Error('table not ACTIVE');
  }
  case 'describe-table': {
    const d = await ddb(url, 'DescribeTable', { TableName: name });
    console.log(JSON.stringify(d.Table));
    return;
  }
  case 'query':
  case 'scan': {
    let start;
    const out = [];
    do {
      const req = { TableName: name };
      if (start) req.ExclusiveStartKey = start;
      if (cmd === 'query') {
        req.KeyConditionExpression = 'id = :id';
        req.ExpressionAttributeValues = { ':id': { S: arg } };
      }
      const r = await ddb(url, cmd === 'query' ? 'Query' : 'Scan', req);
      for (const it of r.Items) out.push(JSON.stringify(it));
      start = r.LastEvaluatedKey;
    } while (start);
    process.stdout.write(out.map((l) => l + '\n').join(''));
    return;
  }
  default:
    throw new Error('unknown command ' + cmd);
  }
}

main().catch((e) => { console.error('aws_tool: ' + e.message); process.exit(1); });
