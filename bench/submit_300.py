#!/usr/bin/env python3
"""Times submitNotice with 300 items against a running rightsgraph.

Usage: submit_300.py URL ADMIN_TOKEN [ROUNDS]

Creates its own brand, verified trademark, seller and 300 x ROUNDS listings through the API, then
submits ROUNDS notices of 300 items each (every notice on fresh listings, as the rules require)
and prints the min, median and max time of one submitNotice.
"""
import json
import statistics
import sys
import time
import urllib.request


def call(url, token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"content-type": "application/json", "authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise SystemExit(f"error: {answer['errors']}")
    return answer["data"]


def main():
    url, token = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    tag = str(int(time.time() * 1000))
    brand = call(url, token, 'mutation($n: String!) { createBrand(input: {name: $n, country: "US"}) { id } }',
                 {"n": f"Bench Brand {tag}"})["createBrand"]["id"]
    tm = call(url, token, """mutation($b: ID!, $r: String!) { registerTrademark(input: {brandId: $b, mark: "BENCH",
              registrationNumber: $r, jurisdiction: "US", niceClasses: [25]}) { id } }""",
              {"b": brand, "r": f"BENCH-{tag}"})["registerTrademark"]["id"]
    call(url, token, "mutation($t: ID!) { verifyTrademark(input: {trademarkId: $t, approve: true}) { status } }", {"t": tm})
    seller = call(url, token, 'mutation($h: String!) { registerSeller(input: {handle: $h, displayName: "Bench", country: "CN"}) { id } }',
                  {"h": f"bench-{tag}"})["registerSeller"]["id"]
    listings = []
    for i in range(300 * rounds):
        # Each listing at an address of its own: two listings may not share one.
        listings.append(call(url, token, """mutation($s: ID!, $t: String!, $u: String!) { createListing(input: {sellerId: $s,
            title: $t, url: $u, price: {amount: "9.99", currency: "USD"}}) { id } }""",
            {"s": seller, "t": f"bench listing {i}", "u": f"https://shop.example/bench/{tag}/{i}"})["createListing"]["id"])
    times = []
    for r in range(rounds):
        items = [{"listingId": l, "trademarkId": tm} for l in listings[r * 300:(r + 1) * 300]]
        started = time.perf_counter()
        data = call(url, token, "mutation($in: SubmitNoticeInput!) { submitNotice(input: $in) { id } }",
                    {"in": {"brandId": brand, "reason": "COUNTERFEIT", "goodFaithDeclaration": True,
                            "explanation": "Benchmark notice of three hundred items.", "items": items}})
        times.append((time.perf_counter() - started) * 1000)
        assert data["submitNotice"]["id"]
    print(f"submitNotice of 300 items, {rounds} rounds: min {min(times):.1f} ms, "
          f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")


if __name__ == "__main__":
    main()
