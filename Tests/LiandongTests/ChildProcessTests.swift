import Foundation
import Testing

@Suite("Child processes started by the tests")
struct ChildProcessTests {
  /// SwiftNIO accepts connections without close-on-exec. A child that inherited one kept it open
  /// after the listener closed it, so a test that waited for the close failed whenever another
  /// test happened to start a child at that moment.
  @Test("a child inherits only stdin, stdout and stderr, not a descriptor left open without close-on-exec")
  func onlyStandardDescriptors() throws {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(descriptor > 2)
    defer { close(descriptor) }
    #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC == 0, "the socket is inheritable by default")
    let result = try run(
      "/bin/sh",
      ["-c", "for fd in 0 1 2 \(descriptor); do test -e /proc/$$/fd/$fd && echo $fd; done; exit 0"])
    #expect(result.status == 0, "\(result)")
    #expect(result.stdout.split(separator: "\n") == ["0", "1", "2"], "\(result)")
  }
}
