package dev.herald.benchmarks.webpush;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Reports CPU time per operation next to JMH's wall-clock score. On a machine shared with other
 * builds (and other benchmarks) the wall-clock score measures how much CPU the benchmark got; CPU
 * time per operation measures what an operation costs.
 *
 * <ul>
 *   <li>{@code worker.cpu.us/op}: CPU time of the benchmark threads ({@code *jmh-worker*}) per
 *       operation, and {@code ops/worker-cpu-s}, its inverse: operations per CPU-second of the
 *       threads that do the work, that is per core.
 *   <li>{@code process.cpu.us/op}: CPU time of the whole JVM (adds GC and JIT compilation) per
 *       operation: an upper bound.
 * </ul>
 *
 * <p>Enable with {@code -prof dev.herald.benchmarks.webpush.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private Map<Long, Long> workersAtStart = Map.of();
  private long processAtStart;

  @Override
  public String getDescription() {
    return "CPU time per operation: benchmark threads, and the whole JVM";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    workersAtStart = workerCpu();
    processAtStart = os.getProcessCpuTime();
  }

  @Override
  public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    long process = os.getProcessCpuTime() - processAtStart;
    long workers = 0;
    for (Map.Entry<Long, Long> e : workerCpu().entrySet()) {
      workers += e.getValue() - workersAtStart.getOrDefault(e.getKey(), 0L);
    }
    long ops = result.getMetadata().getAllOps();
    if (ops <= 0 || workers <= 0) {
      return List.of();
    }
    double workerMicros = workers / 1e3 / ops;
    return List.of(
        new ScalarResult("worker.cpu.us/op", workerMicros, "us/op", AggregationPolicy.AVG),
        new ScalarResult("ops/worker-cpu-s", 1e6 / workerMicros, "ops/s", AggregationPolicy.AVG),
        new ScalarResult("process.cpu.us/op", process / 1e3 / ops, "us/op", AggregationPolicy.AVG));
  }

  private Map<Long, Long> workerCpu() {
    Map<Long, Long> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().contains("jmh-worker")) {
        long t = threads.getThreadCpuTime(info.getThreadId());
        if (t >= 0) {
          cpu.put(info.getThreadId(), t);
        }
      }
    }
    return cpu;
  }
}
