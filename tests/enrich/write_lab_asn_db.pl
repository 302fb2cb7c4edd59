#!/usr/bin/perl
# Writes a MaxMind-format ASN database (GeoLite2-ASN layout) for lab addresses.
# Usage: write_lab_asn_db.pl OUTPUT CIDR=ASN[:ORGANIZATION] ...
#   write_lab_asn_db.pl lab.mmdb 198.51.100.0/24=64500:Lab-A 2001:db8::/32=64502
# Needs Debian's libmaxmind-db-writer-perl. Exits 2 when it is missing, 1 on bad arguments.
use strict;
use warnings;

BEGIN {
  eval { require MaxMind::DB::Writer::Tree; 1 } or do {
    print STDERR "write_lab_asn_db: Perl module MaxMind::DB::Writer::Tree is missing "
      . "(apt-get install libmaxmind-db-writer-perl)\n";
    exit 2;
  };
}

my ($out, @entries) = @ARGV;
die "usage: $0 OUTPUT CIDR=ASN[:ORG] ...\n" unless defined $out && @entries;

my %types = (
  autonomous_system_number       => 'uint32',
  autonomous_system_organization => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version               => 6,
  record_size              => 24,
  database_type            => 'GeoLite2-ASN',
  languages                => ['en'],
  description              => { en => 'colotrace lab ASN database' },
  map_key_type_callback    => sub { $types{ $_[0] } },
  remove_reserved_networks => 0,    # the lab uses documentation ranges only
);
for my $entry (@entries) {
  my ($cidr, $asn, $org) = $entry =~ m{^([0-9A-Fa-f:./]+)=(\d+)(?::(.*))?$}
    or die "bad entry '$entry' (want CIDR=ASN[:ORG])\n";
  my %record = (autonomous_system_number => $asn + 0);
  $record{autonomous_system_organization} = $org if defined $org && length $org;
  $tree->insert_network($cidr, \%record);
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
