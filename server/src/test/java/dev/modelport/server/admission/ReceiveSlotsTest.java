package dev.modelport.server.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Receive slots: bounded, handed on first-come first-served, withdrawn cleanly. */
class ReceiveSlotsTest {
  @Test
  void grantsUpToCapacity_thenQueues_andHandsEachFreedSlotToTheLongestWaiting() {
    ReceiveSlots slots = new ReceiveSlots(2);
    List<String> granted = new ArrayList<>();
    slots.acquire(() -> granted.add("a"));
    slots.acquire(() -> granted.add("b"));
    slots.acquire(() -> granted.add("c"));
    slots.acquire(() -> granted.add("d"));
    assertThat(granted).containsExactly("a", "b");
    assertThat(slots.inUse()).isEqualTo(2);
    assertThat(slots.waiting()).isEqualTo(2);
    slots.release();
    assertThat(granted).containsExactly("a", "b", "c");
    assertThat(slots.inUse()).isEqualTo(2);
    slots.release();
    slots.release();
    slots.release();
    assertThat(granted).containsExactly("a", "b", "c", "d");
    assertThat(slots.inUse()).isZero();
    assertThat(slots.waiting()).isZero();
  }

  @Test
  void aWithdrawnWaiterIsNeverGranted() {
    ReceiveSlots slots = new ReceiveSlots(1);
    List<String> granted = new ArrayList<>();
    slots.acquire(() -> granted.add("a"));
    Runnable b = () -> granted.add("b");
    slots.acquire(b);
    assertThat(slots.withdraw(b)).isTrue();
    assertThat(slots.withdraw(b)).isFalse();
    slots.release();
    assertThat(granted).containsExactly("a");
    assertThat(slots.inUse()).isZero();
  }

  @Test
  void budget_refusesWhatDoesNotFit_andPermitsGiveBackOnce() {
    MemoryBudget budget = new MemoryBudget(100);
    Permit a = budget.tryAcquire(60);
    assertThat(a).isNotNull();
    assertThat(budget.tryAcquire(41)).isNull();
    Permit b = budget.tryAcquire(40);
    assertThat(budget.inUse()).isEqualTo(100);
    a.close();
    a.close();
    assertThat(budget.inUse()).isEqualTo(40);
    b.close();
    assertThat(budget.inUse()).isZero();
    assertThat(budget.refusals()).isEqualTo(1);
    assertThat(MemoryBudget.estimate(1000))
        .isEqualTo(1000 * MemoryBudget.HEAP_BYTES_PER_WIRE_BYTE + MemoryBudget.PER_REQUEST_BYTES);
    assertThatThrownBy(() -> new ReceiveSlots(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void slotsFromDirectMemory_atLeastOne() {
    assertThat(ReceiveSlots.ofDirectMemoryPercent(50, Long.MAX_VALUE).capacity()).isEqualTo(1);
    long direct = ReceiveSlots.maxDirectMemory();
    assertThat(ReceiveSlots.ofDirectMemoryPercent(50, 1 << 20).capacity())
        .isEqualTo((int) (direct / 100 * 50 / (1 << 20)));
  }
}
