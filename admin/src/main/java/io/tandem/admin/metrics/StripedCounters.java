package io.tandem.admin.metrics;

import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fixed number of counters that threads add to without atomic instructions: each thread adds to
 * a copy of its own (an event loop finds its copy through Netty's {@link FastThreadLocal}, an array
 * index), and reading a counter sums the copies. What is counted per command, read and write is
 * on every command's path, where a {@code LongAdder}'s atomic add per counter is a locked
 * instruction each time; here it is a plain add to memory only this thread writes.
 *
 * <p>A copy stays when its thread ends, so a counter never goes back. A read sees each copy as its
 * thread last published it (opaque access: no torn values, no ordering between counters), so a scrape
 * may miss the additions of the last instant; the next one has them.
 */
final class StripedCounters {

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  private final int size;
  private final CopyOnWriteArrayList<long[]> copies = new CopyOnWriteArrayList<>();
  private final FastThreadLocal<long[]> local = new FastThreadLocal<>() {
    @Override
    protected long[] initialValue() {
      long[] copy = new long[size];
      copies.add(copy);
      return copy;
    }
  };

  StripedCounters(int size) {
    this.size = size;
  }

  /** Adds {@code delta} to counter {@code index} (in this thread's copy). */
  void add(int index, long delta) {
    long[] copy = local.get();
    LONGS.setOpaque(copy, index, copy[index] + delta); // only this thread writes its copy
  }

  /** Counter {@code index}: the sum of the threads' copies. */
  long sum(int index) {
    long sum = 0;
    for (long[] copy : copies) {
      sum += (long) LONGS.getOpaque(copy, index);
    }
    return sum;
  }
}
