/**
 * The suite's machinery: herald-testing's fake Web Push and FCM services on 127.0.0.1 wired to a
 * ledger of what the devices would show ({@link dev.herald.reliability.support.Devices}), a hostile
 * push service, a private database on the test PostgreSQL and control of that server, engine
 * processes, bounded waits, resource sampling and the figures file.
 */
package dev.herald.reliability.support;
