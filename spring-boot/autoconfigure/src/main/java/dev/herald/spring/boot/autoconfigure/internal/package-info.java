/**
 * Helpers of Herald's Spring Boot auto-configuration. Not API: anything here may change in any
 * release.
 */
package dev.herald.spring.boot.autoconfigure.internal;
