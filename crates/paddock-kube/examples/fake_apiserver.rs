//! Runs the fake API server on its own, to try paddock's cluster commands by hand:
//!
//! ```sh
//! cargo run -p paddock-kube --features test-support --example fake_apiserver -- /tmp/fake &
//! paddock install --kubeconfig /tmp/fake/kubeconfig
//! ```
//!
//! It writes `DIR/kubeconfig` and serves for ten minutes (or until killed).

use std::time::Duration;

use paddock_kube::fake::FakeApiServer;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    std::fs::create_dir_all(&dir).expect("create the kubeconfig directory");
    let server = FakeApiServer::start(Duration::from_millis(500)).await;
    let path = server.write_kubeconfig(std::path::Path::new(&dir));
    println!(
        "fake API server at {}; kubeconfig: {}",
        server.url(),
        path.display()
    );
    tokio::time::sleep(Duration::from_secs(600)).await;
}
