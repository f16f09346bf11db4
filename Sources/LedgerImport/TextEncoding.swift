import Foundation

/// The encodings 双公示 CSV files come in: UTF-8 (with or without a byte-order mark), and
/// GB18030, which contains GBK and GB2312 — what Chinese Excel writes for "CSV (逗号分隔)".
/// Conversion goes through glibc's iconv (its GB18030 tables), never a table of our own.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8
    case gb18030

    /// The byte-order mark Excel looks for to read a CSV file as UTF-8.
    public static let utf8ByteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Why text could not be converted.
    public struct ConversionError: Error, CustomStringConvertible {
        public let description: String
    }

    /// An encoding by the names people give it (`utf8`, `UTF-8`, `gb18030`, `gbk`, `gb2312`, `cp936`).
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "") {
        case "utf8": self = .utf8
        // GBK and GB2312 are subsets of GB18030: decoding them as GB18030 reads every character.
        case "gb18030", "gbk", "gb2312", "cp936": self = .gb18030
        default: return nil
        }
    }

    /// The encoding of `bytes`: UTF-8 when they begin with its byte-order mark or are valid
    /// UTF-8 (pure ASCII included); GB18030 otherwise. Real Chinese text in GBK is not valid
    /// UTF-8 (its lead bytes 0x81–0xFE are followed by bytes UTF-8 forbids there).
    public static func detect(_ bytes: [UInt8]) -> TextEncoding {
        if bytes.starts(with: utf8ByteOrderMark) { return .utf8 }
        return String(validating: bytes, as: UTF8.self) != nil ? .utf8 : .gb18030
    }

    /// The iconv name.
    var iconvName: String {
        switch self {
        case .utf8: "UTF-8"
        case .gb18030: "GB18030"
        }
    }

    /// `bytes` as text (a UTF-8 byte-order mark is kept; the CSV header reader ignores it).
    /// - Throws: ``ConversionError`` naming the line of the first byte that is not of this
    ///   encoding.
    public func decode(_ bytes: [UInt8]) throws(ConversionError) -> String {
        switch self {
        case .utf8:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let valid = Self.validUTF8Prefix(bytes)
                throw ConversionError(description: "not UTF-8 at byte \(valid) (line \(Self.line(at: valid, in: bytes)))")
            }
            return text
        case .gb18030:
            let converted = try Self.convert(bytes, from: iconvName, to: TextEncoding.utf8.iconvName)
            return String(decoding: converted, as: UTF8.self)
        }
    }

    /// `text` in this encoding; UTF-8 begins with its byte-order mark so that Excel reads it
    /// as UTF-8 whatever the system's code page.
    public func encodeForExcel(_ text: String) throws(ConversionError) -> [UInt8] {
        switch self {
        case .utf8: Self.utf8ByteOrderMark + Array(text.utf8)
        case .gb18030: try Self.convert(Array(text.utf8), from: TextEncoding.utf8.iconvName, to: iconvName)
        }
    }

    /// Converts with iconv, all at once (the output grows as needed).
    static func convert(_ input: [UInt8], from source: String, to target: String) throws(ConversionError) -> [UInt8] {
        let descriptor = iconv_open(target, source)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else {
            throw ConversionError(description: "iconv cannot convert \(source) to \(target) here: \(String(cString: strerror(errno)))")
        }
        defer { iconv_close(descriptor) }
        var output = [UInt8](repeating: 0, count: max(64, input.count * 2))
        var failure: ConversionError?
        var produced = 0
        var input = input
        input.withUnsafeMutableBufferPointer { inputBuffer in
            var consumed = 0
            while consumed < inputBuffer.count {
                if output.count - produced < 16 { output += [UInt8](repeating: 0, count: output.count) }
                var inputLeft = inputBuffer.count - consumed
                var outputLeft = output.count - produced
                let result = output.withUnsafeMutableBufferPointer { outputBuffer -> Int in
                    var inputPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inputBuffer.baseAddress! + consumed).assumingMemoryBound(to: CChar.self)
                    var outputPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outputBuffer.baseAddress! + produced).assumingMemoryBound(to: CChar.self)
                    return iconv(descriptor, &inputPointer, &inputLeft, &outputPointer, &outputLeft)
                }
                let reason = errno
                consumed = inputBuffer.count - inputLeft
                produced = output.count - outputLeft
                if result != -1 { continue }
                switch reason {
                case E2BIG:
                    continue
                case EILSEQ, EINVAL:
                    let bytes = Array(inputBuffer)
                    failure = ConversionError(description: "not \(source) at byte \(consumed) (line \(line(at: consumed, in: bytes)))\(reason == EINVAL ? ": the file ends inside a character" : "")")
                    return
                default:
                    failure = ConversionError(description: "iconv \(source) to \(target): \(String(cString: strerror(reason)))")
                    return
                }
            }
        }
        if let failure { throw failure }
        return Array(output[..<produced])
    }

    /// The 1-based line holding byte `offset`.
    static func line(at offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<min(offset, bytes.count)].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }

    /// The length of the longest prefix of `bytes` that is valid UTF-8.
    static func validUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while case let .valid(scalar) = parser.parseScalar(from: &iterator) { offset += scalar.count }
        return offset
    }
}
