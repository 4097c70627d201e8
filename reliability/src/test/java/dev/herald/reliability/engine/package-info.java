/** The engine process the crash loop and the soak run as separate JVMs. */
package dev.herald.reliability.engine;
