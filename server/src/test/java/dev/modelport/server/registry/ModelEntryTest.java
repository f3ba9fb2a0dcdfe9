package dev.modelport.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A record changes only if it is still the one the caller saw; events go with the change. */
class ModelEntryTest {
  @Test
  void change_andDrop_onlyApplyToTheRecordTheCallerSaw() throws Exception {
    EventDelivery events = new EventDelivery();
    List<VersionEvent> seen = new ArrayList<>();
    events.add(seen::add);
    ModelEntry m = new ModelEntry("m", events);
    VersionRecord loading = VersionRecord.loading(1);
    assertThat(m.change(loading, loading.failed("x"))).isFalse(); // nothing there yet
    assertThat(m.record(1)).isNull();
    m.start(loading, m.event(1, VersionState.LOADING, null, ""));
    VersionRecord failed = loading.failed("boom");
    assertThat(m.change(loading, failed, m.event(1, VersionState.FAILED, null, "boom"))).isTrue();
    assertThat(m.record(1)).isEqualTo(failed);
    assertThat(m.change(loading, loading.failed("stale"))).isFalse(); // no longer what it saw
    assertThat(m.record(1)).isEqualTo(failed);
    assertThat(m.drop(loading)).isFalse();
    assertThat(m.record(1)).isEqualTo(failed);
    assertThat(m.drop(failed)).isTrue();
    assertThat(m.record(1)).isNull();
    assertThat(m.view()).isEmpty();
    events.flush();
    assertThat(seen)
        .extracting(VersionEvent::state)
        .containsExactly(VersionState.LOADING, VersionState.FAILED);
    events.close();
  }
}
