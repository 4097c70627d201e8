/**
 * Herald's operator console: pages and a JSON API over an outbox's {@link dev.herald.outbox.jdbc.OutboxAdmin},
 * embeddable in the JDK's built-in HTTP server ({@link dev.herald.console.HeraldConsole#start},
 * {@link dev.herald.console.HeraldConsole#httpHandler()}) or any Jakarta Servlet container
 * ({@link dev.herald.console.HeraldConsoleServlet}). Start with {@link dev.herald.console.HeraldConsole#builder}.
 */
package dev.herald.console;
