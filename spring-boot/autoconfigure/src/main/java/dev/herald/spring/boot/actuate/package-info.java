/**
 * Herald in Spring Boot's actuator: {@link dev.herald.spring.boot.actuate.HeraldHealthIndicator} and
 * {@link dev.herald.spring.boot.actuate.HeraldInfoContributor}, registered by the auto-configuration
 * when the actuator is on the classpath.
 */
package dev.herald.spring.boot.actuate;
