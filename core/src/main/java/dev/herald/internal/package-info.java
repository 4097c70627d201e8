/**
 * The toolkit Herald's own modules share: field checks ({@code Checks}, {@code Texts}), redaction
 * ({@code Redact}), IP-literal parsing, P-256 points, {@code Retry-After} parsing and what makes a
 * completion storable ({@code Recordable}). Used by outbox-jdbc and the transports; not API for
 * hosts: anything here may change in any release without notice. The engine itself is in
 * {@code dev.herald.internal.engine}, which nothing outside core uses.
 */
package dev.herald.internal;
