/**
 * The suite's machinery: fake Web Push and FCM services on 127.0.0.1 that record what a device
 * would show, a private database on the test PostgreSQL and control of that server, engine
 * processes, bounded waits, resource sampling and the figures file.
 */
package dev.herald.reliability.support;
