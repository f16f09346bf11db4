/// The desk's one-time access token: 32 random bytes as hex, made anew for every run and
/// known only to whoever reads the URL the desk prints (like a notebook server's).
public struct DeskToken: Sendable, CustomStringConvertible {
    /// Random bytes in a token (256 bits).
    public static let byteCount = 32

    /// The token as lower-case hex.
    public let value: String

    /// A token from the system's cryptographically secure generator.
    public static func random() -> DeskToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return DeskToken(value: bytes.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined())
    }

    /// A token with a known value (tests; a run makes its own with ``random()``).
    public init(value: String) { self.value = value }

    public var description: String { value }

    /// Whether `candidate` is this token, comparing every byte whatever the first difference,
    /// so the time taken says nothing of how much of a guess was right.
    public func matches(_ candidate: String?) -> Bool {
        guard let candidate else { return false }
        let expected = Array(value.utf8)
        let given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
