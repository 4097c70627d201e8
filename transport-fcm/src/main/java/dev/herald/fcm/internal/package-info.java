/**
 * Implementation of the FCM transport: the OAuth2 token source, the message mapping and the
 * response classification. Not API: anything here may change in any release.
 */
package dev.herald.fcm.internal;
