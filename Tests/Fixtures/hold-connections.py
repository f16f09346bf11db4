"""Opens N connections to a CreditLedger socket, pings on each, prints one JSON line
{"ok": admitted, "refused": [messages]}, then holds the admitted ones open until stdin closes.
Run as another uid (setpriv) by the fairness tests."""
import json
import socket
import sys

path, count = sys.argv[1], int(sys.argv[2])
held, refused = [], []
for _ in range(count):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    try:
        connection.sendall(b'{"op":"ping"}\n')
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused at once: its answer is already waiting
    answer = json.loads(connection.makefile("rb").readline())
    if answer.get("ok"):
        held.append(connection)
    else:
        refused.append(answer["error"]["message"])
        connection.close()
print(json.dumps({"ok": len(held), "refused": refused}), flush=True)
sys.stdin.read()
