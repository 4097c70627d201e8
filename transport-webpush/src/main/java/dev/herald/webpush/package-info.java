/**
 * Web Push transport (RFC 8030, RFC 8291 message encryption, RFC 8292 VAPID): send Herald
 * deliveries to browsers through their push services.
 *
 * <p>Entry points: {@link dev.herald.webpush.VapidKeys} (the application server's key pair),
 * {@link dev.herald.webpush.EndpointPolicy} (which push services may be contacted) and
 * {@link dev.herald.webpush.WebPushTransport} (the {@link dev.herald.spi.Transport}).
 */
package dev.herald.webpush;
