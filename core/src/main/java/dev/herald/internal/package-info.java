/**
 * Implementation details of the engine and the model. Not API: anything here may change or
 * disappear in any release without notice.
 */
package dev.herald.internal;
