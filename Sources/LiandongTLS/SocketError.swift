import Foundation
import LiandongErrors
import NIOCore
import NIOPosix

/// A socket that could not be opened: NIO's own text ("bind(descriptor:ptr:bytes:): Address
/// already in use (errno: 98)") becomes the address and the system's reason in plain words.
public enum SocketError: CodedError, Equatable, Sendable {
  case cannotListen(address: String, reason: String)
  case cannotConnect(address: String, reason: String)

  public var code: String {
    switch self {
    case .cannotListen: "net.cannot-listen"
    case .cannotConnect: "net.cannot-connect"
    }
  }

  public var description: String {
    switch self {
    case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
    case .cannotConnect(let address, let reason): "cannot connect to \(address): \(reason)"
    }
  }

  /// Runs `body`, rewording a socket failure; coded errors pass through.
  public static func wording<T>(
    _ make: (String) -> SocketError, _ body: () async throws -> T
  ) async throws -> T {
    do { return try await body() } catch let coded as any CodedError { throw coded } catch {
      throw make(Self.reason(error))
    }
  }

  /// The system's reason for a socket failure, in words.
  static func reason(_ error: any Error) -> String {
    switch error {
    case let io as IOError: return String(cString: strerror(io.errnoCode)).lowercased()
    case let connection as NIOConnectionError:
      if let first = connection.connectionErrors.first { return reason(first.error) }
      if connection.dnsAError != nil || connection.dnsAAAAError != nil {
        return "the host name does not resolve"
      }
      return "no address to connect to"
    case is ChannelError:
      if case ChannelError.connectTimeout = error { return "no answer within the connect timeout" }
      return "the connection failed"
    default: return "the connection failed"
    }
  }
}
