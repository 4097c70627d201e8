// Reads one JSON request on stdin, answers one JSON object on stdout. Used by InteropWithNodeTest.
'use strict';
const crypto = require('crypto');
const ece = require('http_ece');
const webpush = require('web-push');
const jws = require('jws');

const b64 = (s) => Buffer.from(s, 'base64url');

function decrypt(req) {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(b64(req.privateKey));
  const plain = ece.decrypt(b64(req.body), { version: 'aes128gcm', privateKey: ecdh, authSecret: b64(req.auth) });
  return { plaintext: plain.toString('base64url') };
}

function verifyJwt(req) {
  const k = b64(req.k);
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: k.subarray(1, 33).toString('base64url'), y: k.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
  // jws parses the payload itself when the header says typ JWT.
  const payload = jws.decode(req.jwt).payload;
  return { valid: jws.verify(req.jwt, 'ES256', key), payload: typeof payload === 'string' ? JSON.parse(payload) : payload };
}

function encrypt(req) {
  const details = webpush.generateRequestDetails(
    { endpoint: req.endpoint, keys: { p256dh: req.p256dh, auth: req.auth } },
    b64(req.payload),
    { vapidDetails: { subject: req.subject, publicKey: req.vapidPublic, privateKey: req.vapidPrivate }, contentEncoding: 'aes128gcm', TTL: 60 });
  return { body: details.body.toString('base64url'), headers: details.headers };
}

let input = '';
process.stdin.on('data', (d) => { input += d; }).on('end', () => {
  const req = JSON.parse(input);
  const handlers = { decrypt, verifyJwt, encrypt };
  process.stdout.write(JSON.stringify(handlers[req.mode](req)));
});
