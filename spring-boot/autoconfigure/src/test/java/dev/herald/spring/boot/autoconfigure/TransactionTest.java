package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.DeliveryState;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spring.boot.TransactionalHerald;
import dev.herald.spring.boot.autoconfigure.jpa.ScheduleEntity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;
import org.springframework.boot.persistence.autoconfigure.EntityScan;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A notification enqueued through {@link TransactionalHerald} exists iff the Spring-managed
 * transaction around it commits: {@code @Transactional} with JDBC and with JPA, and a
 * {@code TransactionTemplate}; outside a writable transaction on Herald's DataSource nothing is written.
 */
class TransactionTest {

  /** The host's service: a schedule row and its reminder in one transaction. */
  public static class Schedules {
    private final JdbcTemplate jdbc;
    private final TransactionalHerald herald;

    public Schedules(JdbcTemplate jdbc, TransactionalHerald herald) {
      this.jdbc = jdbc;
      this.herald = herald;
      jdbc.execute("CREATE TABLE schedules (id VARCHAR(32) PRIMARY KEY)");
    }

    @Transactional
    public void create(String id, boolean thenFail) {
      jdbc.update("INSERT INTO schedules (id) VALUES (?)", id);
      herald.enqueue(Runners.reminder(id));
      if (thenFail) {
        throw new IllegalStateException("the business rule failed after the enqueue");
      }
    }

    @Transactional
    public void cancel(String id, boolean thenFail) {
      jdbc.update("DELETE FROM schedules WHERE id = ?", id);
      herald.cancel(id);
      if (thenFail) {
        throw new IllegalStateException("the business rule failed after the cancel");
      }
    }

    @Transactional
    public void registerPhone(String member, boolean thenFail) {
      herald.register(member, Runners.PHONE);
      if (thenFail) {
        throw new IllegalStateException("the business rule failed after the registration");
      }
    }

    @Transactional(readOnly = true)
    public void enqueueReadOnly(String id) {
      herald.enqueue(Runners.reminder(id));
    }

    int count(String id) {
      return jdbc.queryForObject("SELECT COUNT(*) FROM schedules WHERE id = ?", Integer.class, id);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class JdbcApp {
    @Bean
    Schedules schedules(JdbcTemplate jdbc, TransactionalHerald herald) {
      return new Schedules(jdbc, herald);
    }
  }

  private static ApplicationContextRunner jdbc(Db db) {
    return Runners.jdbc(db).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class, JdbcApp.class);
  }

  private static boolean exists(JdbcHerald herald, String key) {
    return herald.find(key).isPresent();
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void transactionalCommitEnqueuesAndRollbackEnqueuesNothing(Db db) {
    jdbc(db).withPropertyValues("herald.engine.enabled=false").run(ctx -> {
      Schedules schedules = ctx.getBean(Schedules.class);
      JdbcHerald herald = ctx.getBean(JdbcHerald.class);
      schedules.create("committed", false);
      assertThat(schedules.count("committed")).isEqualTo(1);
      assertThat(herald.find("committed").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);

      assertThatThrownBy(() -> schedules.create("rolled-back", true)).isInstanceOf(IllegalStateException.class);
      assertThat(schedules.count("rolled-back")).isZero();
      assertThat(exists(herald, "rolled-back")).as("no notification from a rolled-back transaction").isFalse();
    });
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void transactionTemplateCommitAndRollback(Db db) {
    jdbc(db).withPropertyValues("herald.engine.enabled=false").run(ctx -> {
      TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
      TransactionalHerald herald = ctx.getBean(TransactionalHerald.class);
      tx.executeWithoutResult(s -> herald.enqueue(Runners.reminder("template-committed")));
      tx.executeWithoutResult(s -> {
        herald.enqueue(Runners.reminder("template-rolled-back"));
        s.setRollbackOnly();
      });
      assertThat(exists(herald.herald(), "template-committed")).isTrue();
      assertThat(exists(herald.herald(), "template-rolled-back")).isFalse();
    });
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void cancelAndRegisterJoinTheTransactionToo(Db db) {
    jdbc(db).withPropertyValues("herald.engine.enabled=false").run(ctx -> {
      Schedules schedules = ctx.getBean(Schedules.class);
      JdbcHerald herald = ctx.getBean(JdbcHerald.class);
      schedules.create("s1", false);
      assertThatThrownBy(() -> schedules.cancel("s1", true)).isInstanceOf(IllegalStateException.class);
      assertThat(herald.find("s1").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
      schedules.cancel("s1", false);
      assertThat(herald.find("s1").orElseThrow().state()).isEqualTo(DeliveryState.CANCELLED);

      assertThatThrownBy(() -> schedules.registerPhone("member-1", true)).isInstanceOf(IllegalStateException.class);
      assertThat(herald.devices().devices("member-1")).isEmpty();
      schedules.registerPhone("member-1", false);
      assertThat(herald.devices().devices("member-1")).hasSize(1);
    });
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void outsideATransactionNothingIsWrittenAndTheMessageSaysWhy(Db db) {
    jdbc(db).withPropertyValues("herald.engine.enabled=false").run(ctx -> {
      TransactionalHerald herald = ctx.getBean(TransactionalHerald.class);
      assertThatThrownBy(() -> herald.enqueue(Runners.reminder("no-tx")))
          .isInstanceOf(IllegalTransactionStateException.class)
          .hasMessageContaining("TransactionalHerald.enqueue needs an active Spring-managed transaction")
          .hasMessageContaining("JdbcHerald.enqueue");
      assertThatThrownBy(() -> herald.cancel("no-tx")).isInstanceOf(IllegalTransactionStateException.class);
      assertThatThrownBy(() -> herald.register("member-2", Runners.PHONE)).isInstanceOf(IllegalTransactionStateException.class);
      assertThat(exists(herald.herald(), "no-tx")).isFalse();
      assertThat(herald.herald().devices().devices("member-2")).isEmpty();

      assertThatThrownBy(() -> ctx.getBean(Schedules.class).enqueueReadOnly("read-only"))
          .isInstanceOf(IllegalTransactionStateException.class).hasMessageContaining("read-only");
      assertThat(exists(herald.herald(), "read-only")).isFalse();
    });
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void aCommittedReminderIsSentAtOnceNotAtTheNextPoll(Db db) {
    // An hour between polls: only the wake-up after commit (or NOTIFY) can explain a prompt send.
    jdbc(db).withPropertyValues("herald.engine.poll-interval=1h").run(ctx -> {
      JdbcHerald herald = ctx.getBean(JdbcHerald.class);
      Thread.sleep(300); // past the engine's first claim, which found nothing
      ctx.getBean(Schedules.class).create("prompt", false);
      Await.until("delivered", () -> herald.find("prompt").map(s -> s.state() == DeliveryState.DELIVERED).orElse(false));
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OtherTransactionManager {
    @Bean
    DataSourceTransactionManager transactionManager() {
      JdbcDataSource other = new JdbcDataSource();
      other.setURL("jdbc:h2:mem:herald_sb_unrelated_" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
      return new DataSourceTransactionManager(other);
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void aTransactionOnAnotherDataSourceIsRefused(Db db) {
    Runners.jdbc(db).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class, OtherTransactionManager.class)
        .withPropertyValues("herald.engine.enabled=false").run(ctx -> {
          TransactionalHerald herald = ctx.getBean(TransactionalHerald.class);
          TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
          assertThatThrownBy(() -> tx.executeWithoutResult(s -> herald.enqueue(Runners.reminder("elsewhere"))))
              .isInstanceOf(IllegalTransactionStateException.class).hasMessageContaining("not on Herald's DataSource");
          assertThat(exists(herald.herald(), "elsewhere")).isFalse();
        });
  }

  // ---------------------------------------------------------------- JPA

  /** The host's JPA service. */
  public static class JpaSchedules {
    @PersistenceContext
    private EntityManager em;
    private final TransactionalHerald herald;

    public JpaSchedules(TransactionalHerald herald) {
      this.herald = herald;
    }

    @Transactional
    public void create(String id, boolean thenFail) {
      create(id, id, thenFail);
    }

    @Transactional
    public void create(String id, String key, boolean thenFail) {
      em.persist(new ScheduleEntity(id));
      herald.enqueue(Runners.reminder(key));
      if (thenFail) {
        throw new IllegalStateException("the business rule failed after the enqueue");
      }
    }

    @Transactional
    public long count(String id) {
      return em.createQuery("select count(s) from ScheduleEntity s where s.id = :id", Long.class)
          .setParameter("id", id).getSingleResult();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EntityScan(basePackageClasses = ScheduleEntity.class)
  static class JpaApp {
    @Bean
    JpaSchedules jpaSchedules(TransactionalHerald herald) {
      return new JpaSchedules(herald);
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void jpaCommitEnqueuesAndRollbackEnqueuesNothing(Db db) {
    Runners.jdbc(db).withConfiguration(AutoConfigurations.of(HibernateJpaAutoConfiguration.class))
        .withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class, JpaApp.class)
        .withPropertyValues("herald.engine.enabled=false", "spring.jpa.hibernate.ddl-auto=create-drop")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx.getBean(PlatformTransactionManager.class).getClass().getSimpleName())
              .isEqualTo("JpaTransactionManager");
          JpaSchedules schedules = ctx.getBean(JpaSchedules.class);
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          schedules.create("jpa-committed", false);
          assertThat(schedules.count("jpa-committed")).isEqualTo(1);
          assertThat(exists(herald, "jpa-committed")).isTrue();

          assertThatThrownBy(() -> schedules.create("jpa-rolled-back", true)).isInstanceOf(IllegalStateException.class);
          assertThat(schedules.count("jpa-rolled-back")).isZero();
          assertThat(exists(herald, "jpa-rolled-back")).isFalse();

          // The entity's insert fails at flush, at commit, after the enqueue: both are undone.
          assertThatThrownBy(() -> schedules.create("jpa-committed", "jpa-duplicate-entity", false))
              .isInstanceOf(RuntimeException.class);
          assertThat(schedules.count("jpa-committed")).isEqualTo(1);
          assertThat(exists(herald, "jpa-duplicate-entity")).isFalse();
        });
  }

}
