/**
 * Herald's Spring Boot auto-configuration: {@link dev.herald.spring.boot.autoconfigure.HeraldAutoConfiguration}
 * and its {@code herald.*} {@link dev.herald.spring.boot.autoconfigure.HeraldProperties}, the
 * customizers of the builders it uses, the {@link dev.herald.spring.boot.autoconfigure.HeraldDataSource}
 * qualifier, and the auto-configurations of the actuator's health and info and of the Micrometer
 * metrics. The auto-configuration classes are public because Spring Boot requires it; use them only
 * through {@code @ImportAutoConfiguration} or exclusions.
 */
package dev.herald.spring.boot.autoconfigure;
