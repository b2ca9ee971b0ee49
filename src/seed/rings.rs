//! The sellers that are one operator under several accounts: rings that share identifiers (a
//! payment account, a phone, an address in other spellings), which the registry joins into
//! clusters; and the identifiers every seller holds.

use super::Rng;
use crate::sellers::identifier::Identifier;
use crate::states::IdentifierKind;

/// Sellers that share identifiers: a ring of about 200 accounts, then rings of heavy-tailed
/// sizes, about a fifth of all sellers in all.
pub(super) fn rings(rng: &mut Rng, n: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut rings = Vec::new();
    let mut next = 0;
    let budget = n / 5;
    let mut size = 200.min(n / 4).max(2);
    while next + size <= budget.max(size) && next + size <= n {
        rings.push(order[next..next + size].to_vec());
        next += size;
        size = (2.0 / rng.unit().max(0.02).powf(0.7)) as usize;
        size = size.clamp(2, 60);
    }
    rings
}

/// Identifiers: ring members share a payment account (first half) or a phone (second half), a
/// bridge member holds both, some share an address in other spellings; everyone has an email.
pub(super) fn identifiers(rng: &mut Rng, rings: &[Vec<usize>], n: usize, tag: i64) -> Vec<(usize, Identifier)> {
    let mut out = Vec::new();
    let parse = |kind, raw: &str| Identifier::parse(kind, raw, "value").ok();
    for (r, ring) in rings.iter().enumerate() {
        let half = ring.len() / 2;
        let account = format!("ACCT-{tag}-{r:06}");
        let phone = format!("{:011}", 861_300_000_000_i64 + tag * 100_000 + r as i64);
        let address = format!("{} Industrial Road, Block {}-{tag}, Shenzhen", 10 + r % 90, r);
        for (k, &m) in ring.iter().enumerate() {
            if k <= half {
                let spelling = if k % 2 == 0 { account.clone() } else { account.to_lowercase() };
                out.extend(parse(IdentifierKind::PaymentAccount, &spelling).map(|i| (m, i)));
            }
            if k >= half {
                let spelling = match k % 3 {
                    0 => format!("+{}", phone),
                    1 => format!("{}-{}-{}", &phone[..2], &phone[2..5], &phone[5..]),
                    _ => format!("({}) {}", &phone[..3], &phone[3..]),
                };
                out.extend(parse(IdentifierKind::Phone, &spelling).map(|i| (m, i)));
            }
            if rng.chance(0.3) {
                let spelling = if k % 2 == 0 { address.clone() } else { address.to_uppercase().replace(", ", " -- ") };
                out.extend(parse(IdentifierKind::Address, &spelling).map(|i| (m, i)));
            }
        }
    }
    for s in 0..n {
        let raw = if s % 3 == 0 {
            format!("Seller.{tag}.{s}+shop@gmail.com")
        } else {
            format!("seller{tag}x{s}@mail.example")
        };
        out.extend(parse(IdentifierKind::Email, &raw).map(|i| (s, i)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_start_with_one_of_about_200_and_never_overlap() {
        let rings = rings(&mut Rng(1), 100_000);
        assert_eq!(rings[0].len(), 200);
        let mut seen = std::collections::HashSet::new();
        assert!(rings.iter().flatten().all(|m| seen.insert(*m)));
        assert!(rings.iter().all(|r| r.len() >= 2));
    }
}
