import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Settings for glibc's allocator, applied when `liandong` starts.
///
/// By default glibc serves blocks over 128 KiB straight from `mmap` and hands freed memory at the
/// top of a thread's heap back to the kernel. A sync passes 256 KiB chunks through buffers
/// allocated and freed thousands of times a second (TLS output, frames, file reads), so each one
/// was mapped, faulted in and zeroed page by page, and unmapped again: page faults and page
/// clearing were a sixth of the sending node's samples in B3, and lifting both limits took B3
/// from 182-214 MiB/s to 220-249 over runs of the same hour. Blocks under 1 MiB now come from the
/// heap, and up to 16 MiB of freed heap stays mapped for reuse, so what it keeps is bounded (B3
/// and B5 in BENCHMARKS.md measure it). Not 4 MiB, as first chosen: blocks of 1-4 MiB (a hostile
/// peer's 1 MiB bodies, whole batches' frames) then stayed in the heaps after use, and a flood of
/// large batches raised the serving node's peak by 98-159 MiB instead of 82-101.
public enum AllocatorTuning {
  public static let mmapThresholdBytes: Int32 = 1 << 20
  public static let trimThresholdBytes: Int32 = 16 << 20

  /// Applies the settings, unless the operator set glibc's own malloc tunables: theirs win.
  /// Returns whether they were applied.
  @discardableResult
  public static func apply(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
    #if canImport(Glibc)
      if environment["GLIBC_TUNABLES", default: ""].contains("glibc.malloc.") { return false }
      // `mallopt` is in <malloc.h>, which Swift's Glibc module does not import: found by name.
      guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "mallopt") else { return false }
      typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
      let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
      let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
      return mallopt(mmapThreshold, mmapThresholdBytes) == 1
        && mallopt(trimThreshold, trimThresholdBytes) == 1
    #else
      return false
    #endif
  }
}
