# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""A stand-in for Amazon SNS's Publish on loopback that checks each request's
SigV4 signature independently of the client: botocore (python3-botocore)
recomputes it from the same credentials, region and service 'sns', the
request's X-Amz-Date and the headers the request says it signed, and it
must equal the one in the Authorization header. Answers as SNS does: a
PublishResponse with a MessageId, or an ErrorResponse (403
SignatureDoesNotMatch, 400 InvalidParameter ...).

  /usr/bin/python3 sns_server.py PORTFILE OUTDIR ACCESS_KEY SECRET_KEY REGION

Each accepted Publish goes to OUTDIR/NNN.json ({"params": {...},
"signed_headers": [...], "content_type": ...}); each refused request to
OUTDIR/rejected-NNN.json ({"code", "why"}).
"""
import http.server
import json
import os
import re
import sys
import urllib.parse
import uuid

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

portfile, outdir, access, secret, region = sys.argv[1:6]
os.makedirs(outdir, exist_ok=True)
AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r" ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$")
NS = "http://sns.amazonaws.com/doc/2010-03-31/"


def save(prefix, obj):
    n = len([f for f in os.listdir(outdir) if f.startswith(prefix) and f.endswith(".json")])
    path = os.path.join(outdir, "%s%03d.json" % (prefix, n))
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.rename(path + ".tmp", path)


def expected_signature(method, host, path, headers, body, amz_date):
    req = AWSRequest(method=method, url="http://%s%s" % (host, path), data=body, headers=headers)
    req.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access, secret), "sns", region)
    canonical = signer.canonical_request(req)
    return signer.signature(signer.string_to_sign(req, canonical), req)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, xml):
        data = xml.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, kind, code, why):
        save("rejected-", {"code": code, "why": why})
        self.answer(status, '<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code>'
                    "<Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>"
                    % (NS, kind, code, why, uuid.uuid4()))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        m = AUTH_RE.match(self.headers.get("Authorization", ""))
        amz_date = self.headers.get("X-Amz-Date", "")
        if not m or not amz_date:
            return self.error(403, "Sender", "IncompleteSignature", "no SigV4 Authorization or X-Amz-Date")
        akid, day, reg, service, signed, sig = m.groups()
        if akid != access:
            return self.error(403, "Sender", "InvalidClientTokenId", "unknown access key " + akid)
        if reg != region or service != "sns" or day != amz_date[:8]:
            return self.error(403, "Sender", "SignatureDoesNotMatch",
                              "credential scope %s/%s/%s, want %s/%s/sns" % (day, reg, service, amz_date[:8], region))
        names = signed.split(";")
        if "host" not in names or "x-amz-date" not in names:
            return self.error(403, "Sender", "SignatureDoesNotMatch", "host and x-amz-date must be signed")
        headers = {n: self.headers.get(n, "") for n in names}
        want = expected_signature("POST", self.headers["Host"], self.path, headers, body, amz_date)
        if sig != want:
            return self.error(403, "Sender", "SignatureDoesNotMatch",
                              "The request signature we calculated does not match the signature you provided.")
        try:
            q = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except ValueError as e:
            return self.error(400, "Sender", "MalformedQueryString", str(e))
        params = {k: v[0] for k, v in q.items()}
        if params.get("Action") != "Publish" or params.get("Version") != "2010-03-31":
            return self.error(400, "Sender", "InvalidAction", "want Action=Publish&Version=2010-03-31")
        subject = params.get("Subject", "")
        if len(subject) >= 100 or any(ord(c) < 0x20 or ord(c) > 0x7e for c in subject):
            return self.error(400, "Sender", "InvalidParameter", "Invalid parameter: Subject")
        if not params.get("TopicArn") or not params.get("Message"):
            return self.error(400, "Sender", "InvalidParameter", "TopicArn and Message are required")
        save("", {"params": params, "signed_headers": names,
                  "content_type": self.headers.get("Content-Type", "")})
        self.answer(200, '<PublishResponse xmlns="%s"><PublishResult><MessageId>%s</MessageId>'
                    "</PublishResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
                    "</PublishResponse>" % (NS, uuid.uuid4(), uuid.uuid4()))


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
