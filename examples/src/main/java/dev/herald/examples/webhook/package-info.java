/**
 * A third-party style transport built only on Herald's public SPI: signed webhooks. It shows that a
 * new channel (APNs, SMS, e-mail, a webhook) needs no change to Herald.
 */
package dev.herald.examples.webhook;
