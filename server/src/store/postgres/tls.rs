//! TLS to PostgreSQL through rustls, checking the server's certificate as
//! much as the URL's `sslmode` asks (see [`super::url`]).
//!
//! The crypto provider is named (ring) rather than taken from rustls's
//! crate features: the workspace also builds rustls with aws-lc-rs (the
//! TUI's HTTP client), and with both present rustls has no default.

use crate::store::StoreError;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How much of the server's certificate is checked.
#[derive(Debug)]
pub(super) enum Verify {
    /// Nothing: the connection is encrypted but the server unauthenticated
    /// (`prefer`, `require`), as libpq does. The handshake's signatures are
    /// still checked.
    Nothing,
    /// It chains to a trusted root (`verify-ca`).
    Chain(Roots),
    /// It chains to a trusted root and names the host (`verify-full`).
    ChainAndName(Roots),
}

/// Where the trusted roots come from.
#[derive(Debug)]
pub(super) enum Roots {
    /// The system's certificate store (`SSL_CERT_FILE` if set).
    System,
    /// A PEM file (`sslrootcert=/path/ca.pem`): a managed database's CA.
    File(PathBuf),
}

/// The TLS connector for a pool.
///
/// # Errors
/// [`StoreError::PostgresUrl`]: the roots cannot be read, or none is found.
pub(super) fn connector(verify: &Verify) -> Result<MakeRustlsConnect, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::PostgresUrl(format!("TLS cannot be set up: {e}")))?;
    let config = match verify {
        Verify::Nothing => {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(EncryptOnly(provider))).with_no_client_auth()
        }
        Verify::Chain(roots) => {
            let chain = WebPkiServerVerifier::builder_with_provider(Arc::new(root_store(roots)?), provider)
                .build()
                .map_err(|e| StoreError::PostgresUrl(format!("TLS cannot be set up: {e}")))?;
            builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyName(chain))).with_no_client_auth()
        }
        Verify::ChainAndName(roots) => builder.with_root_certificates(root_store(roots)?).with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

fn root_store(roots: &Roots) -> Result<RootCertStore, StoreError> {
    let (certs, from): (Vec<CertificateDer<'static>>, String) = match roots {
        Roots::System => (rustls_native_certs::load_native_certs().certs, "the system's certificate store".to_owned()),
        Roots::File(path) => {
            let unreadable = |e: rustls::pki_types::pem::Error| {
                StoreError::PostgresUrl(format!("sslrootcert {} cannot be read: {e}", path.display()))
            };
            let certs = CertificateDer::pem_file_iter(path).map_err(unreadable)?.collect::<Result<_, _>>();
            (certs.map_err(unreadable)?, format!("sslrootcert {}", path.display()))
        }
    };
    let mut store = RootCertStore::empty();
    let (added, _unparsable) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(StoreError::PostgresUrl(format!(
            "no trusted root certificate in {from}: name the database's CA with sslrootcert=<PEM file> in the URL"
        )));
    }
    Ok(store)
}

/// Accepts any certificate: `sslmode=prefer` and `require` encrypt but do
/// not authenticate the server (libpq's meaning). Signatures are checked,
/// so the session key is the certificate holder's.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain is checked, the host name is not. webpki checks
/// the chain before the name, so a name error means the chain was good.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
