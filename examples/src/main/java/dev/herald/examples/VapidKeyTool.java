package dev.herald.examples;

import dev.herald.webpush.VapidKeys;
import java.io.PrintStream;

/**
 * Generates a VAPID key pair and prints it in the forms a web app and Herald's configuration need:
 * the public key for {@code pushManager.subscribe({applicationServerKey})}, and the private key as
 * base64url and as PEM for {@code VapidKeys.fromBase64Url} / {@code VapidKeys.fromPem}.
 *
 * <pre>{@code mvn -q -pl examples exec:java -Dexec.mainClass=dev.herald.examples.VapidKeyTool}</pre>
 *
 * <p>The private key is a secret: store it like a password, never in a repository.
 */
public final class VapidKeyTool {
  private VapidKeyTool() {}

  /** Prints a fresh key pair to standard output. */
  public static void main(String[] args) {
    print(VapidKeys.generate(), System.out);
  }

  /** Prints {@code keys} in every format. */
  static void print(VapidKeys keys, PrintStream out) {
    out.println("# VAPID key pair (P-256). The private key is a secret.");
    out.println();
    out.println("# Browser: pushManager.subscribe({userVisibleOnly: true, applicationServerKey: <this>})");
    out.println("VAPID_PUBLIC_KEY=" + keys.publicKeyBase64Url());
    out.println();
    out.println("# Herald: VapidKeys.fromBase64Url(VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY)");
    out.println("VAPID_PRIVATE_KEY=" + keys.privateKeyBase64Url());
    out.println();
    out.println("# Herald: VapidKeys.fromPem(<this file>)");
    out.print(keys.toPem());
  }
}
