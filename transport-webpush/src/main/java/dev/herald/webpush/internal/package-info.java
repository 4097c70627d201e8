/**
 * Implementation details of the Web Push transport: P-256 arithmetic, RFC 8291/8188 encryption,
 * VAPID token caching, request building and response classification. Not API: anything here may
 * change or disappear in any release without notice.
 */
package dev.herald.webpush.internal;
