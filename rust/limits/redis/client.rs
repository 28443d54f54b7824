//! What the Redis limiter connects to: one node (plain or TLS) or a Redis
//! Cluster reached through a seed node, whose client discovers the slots and
//! follows MOVED/ASK. Either way a connection is a [`Link`] that runs the
//! same commands and scripts: every key of one script shares one hash tag, so
//! the cluster client routes it to the node that owns the slot.

use std::path::Path;
use std::time::Duration;

use ::redis::cluster::{ClusterClient, ClusterClientBuilder};
use ::redis::{ConnectionInfo, ConnectionLike, RedisResult, TlsCertificates};

use super::RedisOptions;
use crate::limits::LimitsError;

/// One pooled connection: to a node, or to a cluster (one connection per node
/// it has talked to).
pub(crate) type Link = Box<dyn ConnectionLike + Send>;

/// Retries inside the cluster client (redirections, a node being replaced)
/// before the error reaches the limiter's own fallback or `strict` error;
/// its default (16, sleeping up to 655 s) would stall the caller's thread.
const CLUSTER_RETRIES: u32 = 3;
const CLUSTER_MIN_RETRY_WAIT_MS: u64 = 10;
const CLUSTER_MAX_RETRY_WAIT_MS: u64 = 250;

pub(crate) enum Client {
    Node(::redis::Client),
    Cluster(ClusterClient),
}

impl Client {
    /// The client for `url`: plain, or TLS verified by the system roots or by
    /// the CA file given. Never an unverified connection: `#insecure` is
    /// refused here (and the redis crate is built without its insecure feature).
    pub(crate) fn open(
        url: &str,
        display_url: &str,
        options: &RedisOptions,
    ) -> Result<Client, LimitsError> {
        let invalid = |why: String| {
            LimitsError::InvalidUrl(format!(
                "invalid Redis URL {display_url:?}: {why} \
                 (expected redis://[user:password@]host[:port][/db] or rediss://... for TLS; \
                 characters such as @ : / ? # in a password percent-encoded)"
            ))
        };
        let tls = url.starts_with("rediss://");
        if tls && url.contains('#') {
            return Err(invalid(
                "a URL fragment (such as #insecure) is not accepted: the server's certificate \
                 is always verified (pass tls_ca_cert for a private CA)"
                    .to_string(),
            ));
        }
        let info = ::redis::IntoConnectionInfo::into_connection_info(url)
            // The parser's messages name the problem, not the URL's parts.
            .map_err(|err| invalid(err.to_string()))?;
        let certificates = match options.tls_ca_cert.as_deref() {
            None => None,
            Some(_) if !tls => {
                return Err(LimitsError::InvalidOption(format!(
                    "tls_ca_cert: needs a rediss:// (TLS) URL, got {display_url:?}"
                )))
            }
            Some(path) => Some(read_ca(path)?),
        };
        let ca_error = |err: ::redis::RedisError| {
            let path = options.tls_ca_cert.as_deref().unwrap_or(Path::new(""));
            LimitsError::InvalidOption(format!(
                "tls_ca_cert: {} cannot be used as a CA: {err}",
                path.display()
            ))
        };
        if options.cluster {
            return open_cluster(info, certificates, options)
                .map(Client::Cluster)
                .map_err(|err| match options.tls_ca_cert {
                    Some(_) => ca_error(err),
                    None => invalid(err.to_string()),
                });
        }
        match certificates {
            None => ::redis::Client::open(info).map_err(|err| invalid(err.to_string())),
            Some(certificates) => {
                ::redis::Client::build_with_tls(info, certificates).map_err(ca_error)
            }
        }
        .map(Client::Node)
    }

    /// A new connection with the limiter's connect and command timeouts.
    pub(crate) fn connect(&self, connect: Duration, command: Duration) -> RedisResult<Link> {
        match self {
            Client::Node(client) => {
                let con = client.get_connection_with_timeout(connect)?;
                con.set_read_timeout(Some(command))?;
                con.set_write_timeout(Some(command))?;
                Ok(Box::new(con))
            }
            // The timeouts were given to the builder; connecting reads the
            // slot map from the seed node.
            Client::Cluster(client) => Ok(Box::new(client.get_connection()?)),
        }
    }
}

fn open_cluster(
    info: ConnectionInfo,
    certificates: Option<TlsCertificates>,
    options: &RedisOptions,
) -> RedisResult<ClusterClient> {
    let mut builder = ClusterClientBuilder::new(vec![info])
        .connection_timeout(options.connect_timeout)
        .response_timeout(options.timeout)
        .retries(CLUSTER_RETRIES)
        .min_retry_wait(CLUSTER_MIN_RETRY_WAIT_MS)
        .max_retry_wait(CLUSTER_MAX_RETRY_WAIT_MS);
    if let Some(certificates) = certificates {
        builder = builder.certs(certificates);
    }
    builder.build()
}

/// The PEM CA file of `tls_ca_cert`, checked to hold a certificate.
fn read_ca(path: &Path) -> Result<TlsCertificates, LimitsError> {
    let pem = std::fs::read(path).map_err(|err| {
        LimitsError::InvalidOption(format!(
            "tls_ca_cert: cannot read {}: {err}",
            path.display()
        ))
    })?;
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    if !pem.windows(BEGIN.len()).any(|w| w == BEGIN) {
        return Err(LimitsError::InvalidOption(format!(
            "tls_ca_cert: {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    })
}
