/**
 * JMH benchmarks of the Web Push transport: the whole per-message CPU path (encryption plus request
 * headers, no network) and its parts, to show where the time goes and why the crypto path is what
 * it is. The side-by-side comparison with {@code nl.martijndwars:web-push} lives in the
 * {@code benchmarks/webpush-peer} module, which keeps that library's BouncyCastle away from ours.
 */
package dev.herald.benchmarks.webpush;
