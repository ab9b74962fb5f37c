import Foundation
import JWTKit
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The keys tokens are checked with, cached by key id, from a JWKS file or URL (or fixed, for
/// the development signer).
///
/// A token with a key id the cache does not know makes the set fetch the JWKS again, at most
/// once per `minimumRefetchInterval`, so a key the identity provider has just rotated in works
/// at once while a flood of made-up key ids cannot make us hammer the provider.
actor KeySet {
    /// Where the keys come from.
    enum Source: Sendable {
        /// A JWKS file, read again on an unknown key id.
        case file(String)
        /// A JWKS URL, fetched again on an unknown key id.
        case url(URL)
        /// Keys that never change.
        case fixed([String: VerificationKey])
    }

    let source: Source
    let minimumRefetchInterval: Duration
    let logger: Logger
    /// Where fetches of the source are counted.
    let metrics: ServerMetrics?
    private var keys: [String: VerificationKey] = [:]
    /// jwt-kit's verifier of each key, made on the key's first use.
    private var verifiers: [String: JWTKeyCollection] = [:]
    private var lastFetch: ContinuousClock.Instant?

    /// How often the source was read; for tests of the rate limit.
    private(set) var fetchCount = 0

    /// A key set over `source`; call ``load()`` before use.
    init(source: Source, minimumRefetchInterval: Duration = .seconds(30), metrics: ServerMetrics? = nil, logger: Logger) {
        self.source = source
        self.minimumRefetchInterval = minimumRefetchInterval
        self.metrics = metrics
        self.logger = logger
        if case .fixed(let keys) = source { self.keys = keys }
    }

    /// Reads the source now.
    ///
    /// - Throws: If it cannot be read or holds no usable key.
    func load() async throws {
        lastFetch = .now
        fetchCount += 1
        if case .fixed = source { return }
        do {
            try await fetch()
            metrics?.keySetFetch(succeeded: true)
        } catch {
            metrics?.keySetFetch(succeeded: false)
            throw error
        }
    }

    /// Reads a file or URL source and replaces the keys.
    private func fetch() async throws {
        let data: Data
        switch source {
        case .fixed:
            return
        case .file(let path):
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw JWKSError(description: "cannot read the JWKS file \(path)")
            }
            data = contents
        case .url(let url):
            var request = URLRequest(url: url, timeoutInterval: 5)
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            let (body, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                throw JWKSError(description: "the JWKS URL \(url) did not answer 200")
            }
            data = body
        }
        let loaded = try JSONWebKeySet.keys(from: data)
        guard !loaded.isEmpty else { throw JWKSError(description: "the JWKS holds no RS256 or ES256 signing key with a kid") }
        keys = loaded
        verifiers = [:]
        logger.info("token keys loaded", metadata: ["kids": "\(loaded.keys.sorted())"])
    }

    /// The algorithm and verifier of the key with id `kid`, fetching the set again if it is
    /// unknown and the last fetch is long enough ago; `nil` if there is none.
    func key(for kid: String) async -> (algorithm: String, verifier: JWTKeyCollection)? {
        if keys[kid] == nil, !isFixed, lastFetch.map({ ContinuousClock.now - $0 >= minimumRefetchInterval }) ?? true {
            do {
                try await load()
            } catch {
                logger.warning("token keys could not be fetched again", metadata: ["error": "\(error)"])
            }
        }
        guard let key = keys[kid] else { return nil }
        if let verifier = verifiers[kid] { return (key.algorithm, verifier) }
        do {
            let verifier = try await key.verifier()
            verifiers[kid] = verifier
            return (key.algorithm, verifier)
        } catch {
            logger.warning("a token key cannot verify", metadata: ["kid": "\(kid)", "error": "\(error)"])
            return nil
        }
    }

    private var isFixed: Bool {
        if case .fixed = source { true } else { false }
    }
}
