import LedgerProtocol
import Testing

@testable import LedgerDesk

/// The desk's token and what it lets through (issue 13).
struct DeskTokenTests {
    @Test func aTokenIs32RandomBytesAsHexAndNewEveryTime() {
        let tokens = (0..<64).map { _ in DeskToken.random().value }
        #expect(Set(tokens).count == tokens.count)
        for token in tokens {
            #expect(token.count == 2 * DeskToken.byteCount && token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }

    @Test func onlyTheSameTokenMatches() {
        let token = DeskToken(value: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        #expect(token.matches(token.value))
        #expect(!token.matches(nil) && !token.matches("") && !token.matches(String(token.value.dropLast())))
        #expect(!token.matches(token.value + "0"))
        #expect(!token.matches("1" + token.value.dropFirst()), "a difference in the first byte")
        #expect(!token.matches(token.value.dropLast() + "e"), "a difference in the last byte")
        #expect(!token.matches(token.value.uppercased()), "hex compares as sent")
    }

    @Test func theDeskForwardsReadOpsOnly() {
        for op: LedgerOperation in [.append, .verify, .stats, .rebuild, .metrics, .subscribe, .read, .get, .accessLog] {
            #expect(!DeskDaemon.allowedOperations.contains(op), "\(op)")
        }
        #expect(DeskDaemon.allowedOperations == [.ping, .display, .status, .history, .report, .check, .find])
        #expect(LedgerOperation.history.paging?.items == "events" && LedgerOperation.report.paging?.items == "records")
        #expect(LedgerOperation.status.paging == nil)
    }
}
