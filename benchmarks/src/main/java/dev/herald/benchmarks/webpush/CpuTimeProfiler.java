package dev.herald.benchmarks.webpush;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Reports the benchmark JVM's CPU time per operation and its inverse, operations per CPU-second
 * ("per core"), next to JMH's wall-clock score. On a machine shared with other builds the
 * wall-clock score measures how much CPU the benchmark got; CPU time per operation measures what
 * an operation costs. It counts every thread of the JVM (benchmark threads, GC, JIT), so it never
 * flatters. Enable with {@code -prof dev.herald.benchmarks.webpush.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private final OperatingSystemMXBean os =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long cpuAtStart;

  @Override
  public String getDescription() {
    return "process CPU time per operation (all JVM threads)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    cpuAtStart = os.getProcessCpuTime();
  }

  @Override
  public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    long cpuNanos = os.getProcessCpuTime() - cpuAtStart;
    long ops = result.getMetadata().getAllOps();
    if (ops <= 0 || cpuNanos <= 0) {
      return List.of();
    }
    double microsPerOp = cpuNanos / 1e3 / ops;
    return List.of(
        new ScalarResult("cpu.us/op", microsPerOp, "us/op", AggregationPolicy.AVG),
        new ScalarResult("ops/cpu-s", 1e6 / microsPerOp, "ops/s", AggregationPolicy.AVG));
  }
}
