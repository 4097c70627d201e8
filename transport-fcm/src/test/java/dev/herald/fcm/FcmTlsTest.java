package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Outcome;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production path: https, HTTP/2 chosen by ALPN, against a server with a throwaway certificate. */
class FcmTlsTest extends FcmTestSupport {
  private static final char[] PASSWORD = "test-only".toCharArray();

  @Test
  void negotiatesHttp2OverTlsByAlpn(@TempDir Path dir) throws Exception {
    KeyStore keys = selfSignedLocalhost(dir);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    serverContext.init(kmf.getKeyManagers(), null, null);

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    Certificate cert = keys.getCertificate("localhost");
    trust.setCertificateEntry("localhost", cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    X509TrustManager trustManager = (X509TrustManager) tmf.getTrustManagers()[0];
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, new javax.net.ssl.TrustManager[] {trustManager}, null);

    try (MockWebServer fcm = new MockWebServer()) {
      fcm.useHttps(serverContext.getSocketFactory());
      fcm.setProtocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
      fcm.enqueue(FakeGoogle.ok());
      fcm.start();

      FcmTransport t = track(FcmTransport.builder()
          .serviceAccount(TestKeys.account("https://oauth2.googleapis.com/token"))
          .tokenUri(google.tokenUrl())
          .baseUrl("https://localhost:" + fcm.getPort())
          .okHttpClient(new OkHttpClient.Builder().sslSocketFactory(clientContext.getSocketFactory(), trustManager).build())
          .clock(clock)
          .build());
      assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);

      RecordedRequest request = fcm.takeRequest(5, TimeUnit.SECONDS);
      assertThat(request.getHandshake()).isNotNull();
      assertThat(request.getVersion()).isEqualTo("HTTP/2");
      assertThat(request.getUrl().encodedPath()).isEqualTo(FakeGoogle.SEND_PATH);
      assertThat(request.getHeaders().get("Authorization")).startsWith("Bearer ya29.fake-access-token-1-");
    }
  }

  /** A PKCS#12 key store with a self-signed EC certificate for localhost, made by the JDK's keytool. */
  private static KeyStore selfSignedLocalhost(Path dir) throws Exception {
    Path store = dir.resolve("localhost.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "localhost", "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
        .redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(output)).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD);
    }
    return ks;
  }
}
