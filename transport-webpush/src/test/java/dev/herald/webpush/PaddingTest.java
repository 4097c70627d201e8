package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PaddingTest {
  @Test
  void noneAddsNothing() {
    assertThat(Padding.none().paddingFor(0)).isZero();
    assertThat(Padding.none().paddingFor(3993)).isZero();
    assertThat(Padding.none()).hasToString("Padding[none]");
  }

  @Test
  void fixedSizePadsUpToItAndLeavesLongerPayloadsAlone() {
    Padding p = Padding.toSize(512);
    assertThat(p.paddingFor(10)).isEqualTo(502);
    assertThat(p.paddingFor(512)).isZero();
    assertThat(p.paddingFor(513)).isZero();
  }

  @Test
  void bucketsPadToTheSmallestThatFits() {
    Padding p = Padding.toBuckets(128, 1024, 3993);
    assertThat(p.paddingFor(0)).isEqualTo(128);
    assertThat(p.paddingFor(128)).isZero();
    assertThat(p.paddingFor(129)).isEqualTo(895);
    assertThat(p.paddingFor(3000)).isEqualTo(993);
    assertThat(p).isEqualTo(Padding.toBuckets(128, 1024, 3993)).hasToString("Padding[128, 1024, 3993]");
  }

  @Test
  void bucketsMustBeInRange() {
    assertThatThrownBy(() -> Padding.toSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("sizes must be between 1 and 3993: 0");
    assertThatThrownBy(() -> Padding.toBuckets(100, 3994))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("sizes must be between 1 and 3993: 3994");
  }

  @Test
  void bucketsMustBeStrictlyIncreasing() {
    assertThatThrownBy(() -> Padding.toBuckets(100, 100))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("sizes must be strictly increasing: [100, 100]");
  }

  @Test
  void bucketsMustNotBeEmptyOrNull() {
    assertThatThrownBy(() -> Padding.toBuckets())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("sizes must not be empty: []");
    assertThatThrownBy(() -> Padding.toBuckets((int[]) null))
        .isInstanceOf(NullPointerException.class).hasMessage("sizes");
  }
}
