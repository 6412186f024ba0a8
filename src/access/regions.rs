//! The region names AWS signs for. One port stands for every regional endpoint, so any of
//! them is accepted in a credential scope; a name outside the list (a typo, `aws-global`,
//! a made-up region) is refused as AWS refuses it: "Credential should be scoped to a
//! valid region". The list is the partitions' regions in botocore's `endpoints.json`
//! (aws, aws-cn, aws-us-gov and the isolated partitions), sorted for binary search.
//! <https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html>

/// Every AWS region name, sorted.
const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-isoe-west-1",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "us-west-1",
    "us-west-2",
];

/// Whether `name` is an AWS region, or the world's own `home` region (a world may name a
/// region of its own, and its clients then sign for it).
pub fn is_valid(name: &str, home: &str) -> bool {
    name == home || REGIONS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_for_binary_search() {
        assert!(REGIONS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn region_names() {
        let cases = [
            ("commercial", "eu-central-1", true),
            ("first_and_last", "af-south-1", true),
            ("last", "us-west-2", true),
            ("china", "cn-north-1", true),
            ("gov_cloud", "us-gov-west-1", true),
            ("world_home_region", "local-1", true),
            ("made_up", "x-y-1", false),
            ("sdk_pseudo_region", "aws-global", false),
            ("upper_case", "US-WEST-2", false),
            ("empty", "", false),
        ];
        for (name, region, want) in cases {
            assert_eq!(is_valid(region, "local-1"), want, "case {name}");
        }
    }
}
