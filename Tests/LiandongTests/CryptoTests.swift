import Foundation
import LiandongCrypto
import Testing

@Suite("Crypto over the system OpenSSL")
struct CryptoTests {
  @Test("SHA-256 matches the FIPS 180-2 test vector")
  func sha256() {
    #expect(
      SHA256.hash(Data("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let hasher = SHA256.Hasher()
    hasher.update(Data("a".utf8))
    hasher.update(Data("bc".utf8))
    #expect(hasher.finalize() == SHA256.hash(Data("abc".utf8)))
  }

  @Test(
    "keys sign and verify; a changed message or signature fails",
    arguments: [KeyAlgorithm.ed25519, .ecdsaP256])
  func signVerify(algorithm: KeyAlgorithm) throws {
    let key = try PrivateKey.generate(algorithm)
    #expect(key.algorithm == algorithm)
    let message = Data("lead 1".utf8)
    var signature = try key.sign(message)
    let publicKey = try key.publicKey()
    #expect(publicKey.isValidSignature(signature, for: message))
    #expect(!publicKey.isValidSignature(signature, for: Data("lead 2".utf8)))
    signature[signature.count / 2] ^= 0x01
    #expect(!publicKey.isValidSignature(signature, for: message))
  }

  @Test(
    "a verifier reused over many signatures answers as the one-shot check does",
    arguments: [KeyAlgorithm.ed25519, .ecdsaP256, .rsa])
  func reusedVerifier(algorithm: KeyAlgorithm) throws {
    let key = try PrivateKey.generate(algorithm)
    let verifier = SignatureVerifier(try key.publicKey())
    let other = SignatureVerifier(try PrivateKey.generate(algorithm).publicKey())
    for index in 0..<20 {
      let message = Data("change \(index)".utf8)
      var signature = try key.sign(message)
      #expect(verifier.isValidSignature(signature, for: message))
      #expect(!other.isValidSignature(signature, for: message))
      #expect(!verifier.isValidSignature(signature, for: Data("change \(index + 1)".utf8)))
      signature[signature.count / 2] ^= 0x01
      #expect(!verifier.isValidSignature(signature, for: message))
      #expect(!verifier.isValidSignature(Data(), for: message))
      // A failure leaves the context usable for the next signature.
      #expect(verifier.isValidSignature(try key.sign(message), for: message))
    }
  }

  @Test("PKCS#8 PEM round trip keeps the key", arguments: [KeyAlgorithm.ed25519, .ecdsaP256])
  func pemRoundTrip(algorithm: KeyAlgorithm) throws {
    let key = try PrivateKey.generate(algorithm)
    let pem = try key.pemPKCS8()
    #expect(String(decoding: pem, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
    let reread = try PrivateKey(pem: pem)
    #expect(try reread.publicKey().matches(key.publicKey()))
  }

  @Test("garbage is refused as PEM with a clear error")
  func garbagePEM() {
    #expect(throws: CryptoError.self) { try PrivateKey(pem: Data("not a key".utf8)) }
    #expect(throws: CryptoError.self) {
      try Certificate.chain(pem: Data("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8))
    }
  }

  @Test("a certificate from the openssl tool: node ID, fingerprint and serial as openssl prints them")
  func certificateFields() throws {
    let federation = TestFederation.shared
    let cert = try federation.chain("n1")[0]
    #expect(try cert.nodeIdentity() == "n1")
    let printed = try run(
      "openssl",
      [
        "x509", "-in", federation.files("n1").certificate.path, "-noout", "-fingerprint", "-sha256",
        "-serial",
      ])
    let lines = printed.stdout.split(separator: "\n")
    let fingerprint = lines[0].split(separator: "=")[1].replacingOccurrences(of: ":", with: "").lowercased()
    #expect(cert.fingerprint.hex == fingerprint)
    #expect("serial=\(cert.serialHex)" == lines[1])
    #expect(cert.notBefore < Date() && Date() < cert.notAfter)
    #expect(try cert.publicKey().matches(federation.key("n1").publicKey()))
  }

  @Test("the chain verifies against its CA, and not against another CA")
  func chainVerification() throws {
    let federation = TestFederation.shared
    try federation.trust().verify(chain: federation.chain("n2"), at: Date())
    try federation.trust().verify(chain: federation.chain("ed25519-node"), at: Date())
    let other = try TestFederation(label: "other")
    let error = try #require(throws: CryptoError.self) {
      try other.trust().verify(chain: federation.chain("n2"), at: Date())
    }
    #expect(error.code == "cert.not-trusted")
  }

  @Test("validity: a certificate is refused after its end and before its start")
  func validityWindow() throws {
    let federation = try TestFederation(label: "validity")
    try federation.issue("old", start: "20250101000000Z", end: "20250201000000Z")
    let trust = try federation.trust()
    let expired = try #require(throws: CryptoError.self) {
      try trust.verify(chain: federation.chain("old"), at: Date())
    }
    #expect(
      expired == .certificateExpired(notAfter: "2025-02-01T00:00:00Z") && expired.code == "cert.expired")
    let start = Date().addingTimeInterval(86_400)
    try federation.issue(
      "early", start: certificateDate(start), end: certificateDate(start.addingTimeInterval(86_400)))
    let error = try #require(throws: CryptoError.self) {
      try trust.verify(chain: federation.chain("early"), at: Date())
    }
    #expect(error.code == "cert.not-yet-valid")
    try trust.verify(chain: federation.chain("early"), at: start.addingTimeInterval(60))
  }

  @Test("revocation applies from the revocation date on; an expired CRL is a failure")
  func revocation() throws {
    let federation = try TestFederation(label: "crl")
    try federation.issue("bad")
    let chain = try federation.chain("bad")
    let before = Date()
    Thread.sleep(forTimeInterval: 1.1)  // revocation dates have one-second resolution
    try federation.revoke("bad")
    try federation.publishCRL(hours: 1)
    let trust = try federation.trust()
    try trust.verify(chain: chain, at: before)  // signed before the revocation: still valid then
    let revoked = try #require(throws: CryptoError.self) {
      try trust.verify(chain: chain, at: Date().addingTimeInterval(5))
    }
    #expect(revoked.code == "cert.revoked")
    let stale = try #require(throws: CryptoError.self) {
      try trust.verify(chain: chain, at: before, now: Date().addingTimeInterval(2 * 3600))
    }
    #expect(stale.code == "crl.expired")
  }

  @Test("with CRLs installed, a certificate whose issuer has none is refused, not waved through")
  func revocationListMissing() throws {
    let other = try TestFederation(label: "second-ca")
    try other.issue("n5")
    let trust = try TrustAnchor(
      caPEM: TestFederation.shared.caPEM + other.caPEM, crlPEM: TestFederation.shared.crlPEM)
    let error = try #require(throws: CryptoError.self) {
      try trust.verify(chain: other.chain("n5"), at: Date())
    }
    #expect(error.code == "crl.missing", "\(error)")
    try trust.verify(chain: TestFederation.shared.chain("n1"), at: Date())
  }

  @Test("a key of a type that cannot sign changes is refused with the types that can")
  func unsupportedKey() throws {
    let file = temporaryDirectory("x25519").appendingPathComponent("k.pem")
    let made = try run("openssl", ["genpkey", "-algorithm", "X25519", "-out", file.path])
    #expect(made.status == 0, "\(made)")
    let error = try #require(throws: CryptoError.self) { try PrivateKey(pem: Data(contentsOf: file)) }
    #expect(error.code == "crypto.unsupported-key" && error.description.contains("X25519"), "\(error)")
  }

  @Test("a CRL signed by another CA is refused when loaded")
  func foreignCRL() throws {
    let other = try TestFederation(label: "foreign-crl")
    let error = try #require(throws: CryptoError.self) {
      try TrustAnchor(caPEM: TestFederation.shared.caPEM, crlPEM: other.crlPEM)
    }
    #expect(error.code == "crl.invalid")
  }
}

@Suite("A node's identity comes from its certificate's SAN URI")
struct NodeIdentityTests {
  /// A self-signed certificate with the given subjectAltName, made by the openssl tool.
  func certificate(san: String?) throws -> Certificate {
    let directory = temporaryDirectory("san")
    var arguments = [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=t",
      "-days", "1",
      "-keyout", directory.appendingPathComponent("k.pem").path, "-out",
      directory.appendingPathComponent("c.pem").path,
    ]
    if let san { arguments += ["-addext", "subjectAltName=\(san)"] }
    let result = try run("openssl", arguments)
    guard result.status == 0 else { throw TestFailure("openssl: \(result)") }
    return try Certificate.chain(pem: Data(contentsOf: directory.appendingPathComponent("c.pem")))[0]
  }

  @Test("urn:liandong:node:<id> gives the ID, beside other SAN entries")
  func valid() throws {
    #expect(try certificate(san: "DNS:node.example,URI:urn:liandong:node:yrd").nodeIdentity() == "yrd")
  }

  @Test("no SAN, or no Liandong URI in it, is refused as missing")
  func missing() throws {
    let error = try #require(throws: CryptoError.self) { try certificate(san: nil).nodeIdentity() }
    #expect(error == .missingNodeIdentity && error.code == "cert.no-node-id")
    #expect(throws: CryptoError.missingNodeIdentity) {
      try certificate(san: "URI:https://yrd.example").nodeIdentity()
    }
  }

  @Test(
    "a malformed ID, or two Liandong URIs, is refused as malformed",
    arguments: [
      "URI:urn:liandong:node:YRD", "URI:urn:liandong:node:y", "URI:urn:liandong:node:yrd_1",
      "URI:urn:liandong:node:", "URI:urn:liandong:node:yrd,URI:urn:liandong:node:prd",
    ])
  func malformed(san: String) throws {
    let error = try #require(throws: CryptoError.self) { try certificate(san: san).nodeIdentity() }
    #expect(error.code == "cert.bad-node-id")
  }
}
