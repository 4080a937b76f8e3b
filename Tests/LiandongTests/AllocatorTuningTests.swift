import LiandongNode
import Testing

@Suite("The allocator settings liandong starts with")
struct AllocatorTuningTests {
  @Test("they apply on glibc, and an operator's own malloc tunables take precedence")
  func operatorWins() {
    #expect(AllocatorTuning.apply(environment: [:]))
    #expect(AllocatorTuning.apply(environment: ["GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2"]))
    #expect(!AllocatorTuning.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"]))
  }
}
