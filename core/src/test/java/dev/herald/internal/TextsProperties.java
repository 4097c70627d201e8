package dev.herald.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.CharBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** What a store gets from {@link Texts#storable} holds whatever came from outside. */
class TextsProperties {

  /**
   * Whatever a push service sends (any UTF-16 code units, surrogates and NUL included), the
   * storable form has no control or format character, encodes to UTF-8 without loss and fits.
   */
  @Property(tries = 2000)
  void storableTextAlwaysEncodesAndFits(@ForAll @StringLength(max = 300) @CharRange(from = '\u0000', to = '\uffff') String s,
      @ForAll @IntRange(min = 1, max = 120) int max) throws CharacterCodingException {
    String out = Texts.storable(s, max);
    assertThat(out.length()).isLessThanOrEqualTo(max);
    assertThat(Texts.wellFormed(out)).isTrue();
    assertThat(out.chars().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)).isTrue();
    StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(out));
  }

  @Property
  void cleanShortTextIsKeptAsItIs(@ForAll @StringLength(max = 80) @CharRange(from = ' ', to = '~') String s) {
    assertThat(Texts.storable(s, 80)).isEqualTo(s);
  }

  @Test
  void examples() {
    assertThat(Texts.storable("https://push.example/loc\u0000ation", 100)).isEqualTo("https://push.example/loc\\u0000ation");
    assertThat(Texts.storable("a\uD800b", 10)).isEqualTo("a\uFFFDb");
    assertThat(Texts.storable("x".repeat(1000), 10)).isEqualTo("xxxxxxxxx…");
    // Never cut between the halves of a pair.
    assertThat(Texts.clip("abcdefgh\uD83D\uDE00z", 10)).isEqualTo("abcdefgh…");
    assertThat(Texts.clip("abcdefg\uD83D\uDE00yz", 10)).isEqualTo("abcdefg\uD83D\uDE00…");
    assertThat(Texts.wellFormed("\uD83D\uDE00")).isTrue();
    assertThat(Texts.wellFormed("\uDE00\uD83D")).isFalse();
  }
}
