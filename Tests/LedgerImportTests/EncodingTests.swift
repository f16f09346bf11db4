import Foundation
import Testing

@testable import LedgerImport

/// 双公示 files as Chinese Excel saves them (GB18030/GBK) and as UTF-8, read through iconv;
/// rejected rows written back for the source office.
@Suite struct EncodingTests {
    /// "北京市朝阳区" in GBK (a subset of GB18030), as Excel writes it on a Chinese system.
    static let gbkBytes: [UInt8] = [0xB1, 0xB1, 0xBE, 0xA9, 0xCA, 0xD0, 0xB3, 0xAF, 0xD1, 0xF4, 0xC7, 0xF8]

    @Test func gbkTextIsDetectedAndDecodedAsGB18030() throws {
        #expect(TextEncoding.detect(Self.gbkBytes) == .gb18030)
        #expect(try TextEncoding.gb18030.decode(Self.gbkBytes) == "北京市朝阳区")
        #expect(TextEncoding.detect(Array("北京市朝阳区".utf8)) == .utf8)
        #expect(TextEncoding.detect(TextEncoding.utf8ByteOrderMark + Array("a,b".utf8)) == .utf8)
        #expect(TextEncoding.detect(Array("plain ASCII".utf8)) == .utf8)
    }

    @Test func charactersOutsideGBKRoundTripThroughGB18030() throws {
        // A four-byte GB18030 character (an extension-B ideograph) and a euro sign.
        let text = "𠀀 € 㐀 统一社会信用代码"
        let encoded = try TextEncoding.gb18030.encodeForExcel(text)
        #expect(try TextEncoding.gb18030.decode(encoded) == text)
    }

    @Test func aBadByteIsReportedWithItsLine() {
        let bytes = Array("a,b\n".utf8) + [0x81, 0x20] + Array("\n".utf8)
        #expect {
            try TextEncoding.gb18030.decode(bytes)
        } throws: { error in
            "\(error)".contains("line 2")
        }
        #expect {
            try TextEncoding.utf8.decode(Array("a\nb\n".utf8) + [0xFF])
        } throws: { error in
            "\(error)".contains("at byte 4 (line 3)")
        }
        #expect(TextEncoding(name: "GBK") == .gb18030 && TextEncoding(name: "UTF-8") == .utf8 && TextEncoding(name: "latin1") == nil)
    }

    @Test func aGB18030FileReadsAsTheUTF8OneDoes() throws {
        let utf8 = try SgsFile(path: fixture)
        let text = try #require(FileManager.default.contents(atPath: fixture).flatMap { String(data: $0, encoding: .utf8) })
        let path = NSTemporaryDirectory() + "sgs-gb18030-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(try TextEncoding.gb18030.encodeForExcel(text))))
        let gb = try SgsFile(path: path)
        #expect(gb.encoding == .gb18030 && utf8.encoding == .utf8)
        #expect(gb.header == utf8.header)
        while let row = utf8.next() {
            let other = try #require(gb.next())
            #expect(other.line == row.line && other.fields == row.fields)
        }
        #expect(gb.next() == nil)
    }

    @Test func rejectedRowsKeepTheirColumnsAndGainLineAndReason() throws {
        var rejects = SgsRejects(header: ["行政相对人名称", "统一社会信用代码"])
        rejects.add(line: 9, fields: ["乙公司", "X"], reason: "统一社会信用代码: 'X' is not valid")
        rejects.add(line: 3, fields: ["甲公司, \"分店\""], reason: "处罚决定日期: is empty")
        let expected = [
            "行政相对人名称,统一社会信用代码,原文件行号,拒绝原因",
            #""甲公司, ""分店""",,3,处罚决定日期: is empty"#,
            "乙公司,X,9,统一社会信用代码: 'X' is not valid",
        ]
        #expect(rejects.text == expected.map { $0 + "\r\n" }.joined())
        let utf8 = try rejects.bytes(encoding: .utf8)
        #expect(Array(utf8.prefix(3)) == TextEncoding.utf8ByteOrderMark)
        let gb = try rejects.bytes(encoding: .gb18030)
        #expect(try TextEncoding.gb18030.decode(gb) == rejects.text)
    }
}
