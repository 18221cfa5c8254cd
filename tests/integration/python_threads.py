# Python's threading under greenshim, for real_programs_test: worker
# threads over a queue, a thread pool, subprocesses started from threads
# (Python forks them with vfork), a pool of processes (its locks are
# named semaphores shared across fork), a threaded TCP echo on loopback, float
# formatting in threads (glibc's per-thread ctype tables), and
# signal.alarm, whose handler must interrupt the main thread's sleep while
# other threads wait. Every line it prints is deterministic.
import concurrent.futures
import hashlib
import multiprocessing
import queue
import signal
import socket
import subprocess
import threading
import time

work, results = queue.Queue(), queue.Queue()


def hash_worker():
    while (item := work.get()) is not None:
        results.put(hashlib.sha256(str(item).encode()).hexdigest()[:8])


workers = [threading.Thread(target=hash_worker) for _ in range(8)]
for worker in workers:
    worker.start()
for item in range(2000):
    work.put(item)
for _ in workers:
    work.put(None)
for worker in workers:
    worker.join()
print("queue", results.qsize(), hashlib.md5("".join(sorted(results.queue)).encode()).hexdigest())

with concurrent.futures.ThreadPoolExecutor(6) as pool:
    print("pool", sum(pool.map(lambda n: sum(range(n)), range(0, 3000, 7))))
    print("floats", ",".join(pool.map(lambda x: "%.3f" % (x / 7), range(8))))


def doubled_by_shell(n):
    done = subprocess.run(["sh", "-c", "echo $((%d*2))" % n], capture_output=True, text=True)
    return done.stdout.strip()


with concurrent.futures.ThreadPoolExecutor(4) as pool:
    print("subprocess", ",".join(pool.map(doubled_by_shell, range(10))))

with multiprocessing.get_context("fork").Pool(2) as processes:
    print("process pool", sum(processes.map(abs, range(-50, 50))))
    processes.close()
    processes.join()

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(8)


def echo(connection):
    with connection:
        while data := connection.recv(4096):
            connection.sendall(data)


def accept_five():
    for _ in range(5):
        connection, _ = server.accept()
        threading.Thread(target=echo, args=(connection,)).start()


acceptor = threading.Thread(target=accept_five)
acceptor.start()


def round_trip(n):
    message = (b"m%d-" % n) * 5000
    with socket.create_connection(server.getsockname()) as client:
        client.sendall(message)
        client.shutdown(socket.SHUT_WR)
        received = b""
        while data := client.recv(65536):
            received += data
    return received == message


with concurrent.futures.ThreadPoolExecutor(5) as pool:
    print("echo", all(pool.map(round_trip, range(5))))
acceptor.join()


class Alarm(Exception):
    pass


def on_alarm(signal_number, frame):
    raise Alarm()


signal.signal(signal.SIGALRM, on_alarm)
stop = threading.Event()
waiters = [threading.Thread(target=stop.wait) for _ in range(3)]
for waiter in waiters:
    waiter.start()
signal.setitimer(signal.ITIMER_REAL, 0.2)
start = time.monotonic()
try:
    time.sleep(5)
    print("alarm missed")
except Alarm:
    print("alarm interrupted the main thread's sleep:", time.monotonic() - start < 2.5)
stop.set()
for waiter in waiters:
    waiter.join()
