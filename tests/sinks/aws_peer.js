// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// Loopback stand-in for the two AWS metadata services the credential chain
// talks to: STS AssumeRoleWithWebIdentity (POST /, form body) and EC2 IMDSv2
// (PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/...).
// It is the peer the agent's real code talks to, checking what a real one
// checks (the web identity token and role, the IMDSv2 session token).
//   node aws_peer.js PORT TOKEN_FILE ROLE_ARN IMDS_EXPIRY_S
// Each answer hands out a new access key id (…1, …2) so tests see refreshes.
'use strict';
const http = require('http');
const fs = require('fs');

const [port, tokenFile, roleArn, imdsExpiry] = process.argv.slice(2);
let sts = 0, imds = 0;
const imdsToken = 'imds-session-' + process.pid;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const send = (code, text, type) => {
      res.writeHead(code, { 'Content-Type': type || 'text/plain' });
      res.end(text);
    };
    if (req.url === '/__stats') return send(200, JSON.stringify({ sts, imds }));
    if (req.method === 'POST' && req.url === '/') {
      const p = new URLSearchParams(body);
      const want = fs.readFileSync(tokenFile, 'utf8').trim();
      if (p.get('Action') !== 'AssumeRoleWithWebIdentity' || p.get('RoleArn') !== roleArn ||
          p.get('WebIdentityToken') !== want)
        return send(400, '<ErrorResponse><Error><Code>InvalidIdentityToken</Code></Error></ErrorResponse>', 'text/xml');
      sts++;
      return send(200, '<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>' +
        '<Credentials><AccessKeyId>ASIAWEBIDENTITY' + sts + '</AccessKeyId>' +
        '<SecretAccessKey>web-secret-' + sts + '</SecretAccessKey>' +
        '<SessionToken>web-session-' + sts + '</SessionToken>' +
        '<Expiration>' + iso(Date.now() + 3600e3) + '</Expiration></Credentials>' +
        '</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>', 'text/xml');
    }
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return send(400, 'ttl missing');
      return send(200, imdsToken);
    }
    if (req.method === 'GET' && req.url.startsWith('/latest/meta-data/iam/security-credentials/')) {
      if (req.headers['x-aws-ec2-metadata-token'] !== imdsToken) return send(401, 'Unauthorized');
      const role = req.url.slice('/latest/meta-data/iam/security-credentials/'.length);
      if (!role) return send(200, 'hostlens-node-role');
      if (role !== 'hostlens-node-role') return send(404, 'Not Found');
      imds++;
      return send(200, JSON.stringify({
        Code: 'Success', Type: 'AWS-HMAC', AccessKeyId: 'ASIAIMDS' + imds,
        SecretAccessKey: 'imds-secret-' + imds, Token: 'imds-session-token-' + imds,
        Expiration: iso(Date.now() + Number(imdsExpiry || 3600) * 1000),
        LastUpdated: iso(Date.now()),
      }), 'application/json');
    }
    send(404, 'Not Found');
  });
}).listen(Number(port), '127.0.0.1');
