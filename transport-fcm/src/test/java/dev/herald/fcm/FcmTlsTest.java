package dev.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Outcome;
import dev.herald.testing.SelfSignedTls;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.fcm.FcmRequest;
import java.nio.file.Path;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production path: https to both endpoints, HTTP/2 chosen by ALPN, against a throwaway certificate. */
class FcmTlsTest extends FcmTestSupport {

  @Test
  void negotiatesHttp2OverTlsByAlpn(@TempDir Path dir) throws Exception {
    SelfSignedTls tls = SelfSignedTls.create(dir);
    try (FakeFcm secure = FakeFcm.builder().serviceAccount(TestKeys.ACCOUNT).clock(clock).tls(tls).build()) {
      FcmTransport t = track(FcmTransport.builder()
          .serviceAccount(ServiceAccount.fromJson(secure.serviceAccountJson()))
          .baseUrl(secure.baseUrl())
          .okHttpClient(new OkHttpClient.Builder().sslSocketFactory(tls.client().getSocketFactory(), tls.trustManager()).build())
          .clock(clock)
          .build());
      assertThat(secure.baseUrl()).startsWith("https://");
      assertThat(await(t.send(toToken()))).isInstanceOf(Outcome.Delivered.class);

      FcmRequest request = secure.requests().get(0);
      assertThat(request.httpVersion()).isEqualTo("HTTP/2");
      assertThat(request.problems()).isEmpty();
      assertThat(request.accessToken()).isEqualTo(secure.tokenRequests().get(0).accessToken());
    }
  }
}
